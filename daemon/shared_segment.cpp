#include "daemon/shared_segment.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace shoal {
namespace {

std::string describe_shm(const std::string& name) { return "shared segment '" + name + "'"; }

// Owns a descriptor until it is closed or released.
struct fd_closer {
  int fd;
  ~fd_closer() {
    if (fd >= 0) ::close(fd);
  }
};

result<std::byte*> map(int fd, std::size_t size, const std::string& what) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return status::from_errno(errc::internal, "unable to map " + what, errno);
  return static_cast<std::byte*>(p);
}

}  // namespace

status check_private(const struct stat& st, const std::string& what) {
  if (st.st_uid != ::geteuid())
    return {errc::permission_denied, "refusing to use " + what + ": it belongs to uid " +
                                         std::to_string(st.st_uid) + ", not to uid " +
                                         std::to_string(::geteuid()) + " that runs this daemon"};
  if (!S_ISREG(st.st_mode))
    return {errc::internal, "refusing to use " + what + ": it is not a regular file"};
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return {errc::internal, "refusing to use " + what + ": its mode is " + mode +
                                ", other users could open it (expected 0600)"};
  }
  return {};
}

result<std::unique_ptr<shared_segment>> shared_segment::open(const std::string& name,
                                                             std::size_t size, bool fresh) {
  const std::string what = describe_shm(name);
  if (fresh) {
    auto removed = remove(name);
    if (!removed.ok()) return removed;
  }
  auto created = create(name, size);
  if (created || created.error().code() != errc::already_exists) return created;

  int fd = ::shm_open(name.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return status::from_errno(errc::internal, "unable to open existing " + what, errno);
  fd_closer closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return status::from_errno(errc::internal, "unable to inspect " + what, errno);
  if (auto ok = check_private(st, what); !ok.ok()) return ok;
  if (static_cast<std::size_t>(st.st_size) != size)
    return status{errc::internal,
                  "refusing to adopt " + what + ": it has " + std::to_string(st.st_size) +
                      " bytes but --shm-size asks for " + std::to_string(size) +
                      " (start with the same size, or with --fresh to discard its values)"};
  auto base = map(fd, size, what);
  if (!base) return base.error();
  if (auto ok = segment_table::validate(*base, size); !ok.ok()) {
    ::munmap(*base, size);
    return status{errc::internal, "refusing to adopt " + what + ": " + ok.message() +
                                      " (remove it with 'shoald --cleanup' or start with --fresh)"};
  }
  return std::unique_ptr<shared_segment>(new shared_segment(name, *base, size, true));
}

result<std::unique_ptr<shared_segment>> shared_segment::create(const std::string& name,
                                                               std::size_t size) {
  const std::string what = describe_shm(name);
  int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return status{errc::already_exists, "unable to create " + what + ": it exists"};
    return status::from_errno(errc::internal, "unable to create " + what, errno);
  }
  fd_closer closer{fd};
  struct stat st {};
  // The umask may have narrowed the mode, never widened it; set exactly 0600 anyway.
  if (::fchmod(fd, 0600) != 0 || ::fstat(fd, &st) != 0) {
    int err = errno;
    ::shm_unlink(name.c_str());
    return status::from_errno(errc::internal, "unable to set up " + what, err);
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    int err = errno;
    ::shm_unlink(name.c_str());
    return status::from_errno(errc::internal, "unable to size " + what, err);
  }
  auto base = map(fd, size, what);
  if (!base) {
    ::shm_unlink(name.c_str());
    return base.error();
  }
  segment_table::format(*base, size);
  return std::unique_ptr<shared_segment>(new shared_segment(name, *base, size, false));
}

void shared_segment::copy_from(const shared_segment& other) {
  std::memcpy(base_, other.base_, std::min(size_, other.size_));
  table_ = segment_table(base_);  // its index describes the entries just copied in
}

status shared_segment::remove(const std::string& name) {
  const std::string what = describe_shm(name);
  int fd = ::shm_open(name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    return status::from_errno(errc::internal, "unable to open " + what + " to remove it", errno);
  }
  struct stat st {};
  int rc = ::fstat(fd, &st);
  int err = errno;
  ::close(fd);
  if (rc != 0) return status::from_errno(errc::internal, "unable to inspect " + what, err);
  if (st.st_uid != ::geteuid())
    return {errc::permission_denied,
            "refusing to remove " + what + ": it belongs to uid " + std::to_string(st.st_uid)};
  if (::shm_unlink(name.c_str()) != 0 && errno != ENOENT)
    return status::from_errno(errc::internal, "unable to remove " + what, errno);
  return {};
}

std::vector<std::string> shared_segment::lock_names(const std::string& name) {
  std::vector<std::string> names;
  int fd = ::shm_open(name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return names;
  fd_closer closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !check_private(st, describe_shm(name)).ok() || st.st_size <= 0)
    return names;
  auto size = static_cast<std::size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return names;
  auto* base = static_cast<std::byte*>(p);
  if (segment_table::validate(base, size).ok()) {
    // validate() checked every published entry; nothing writes this mapping.
    segment_table table(base);
    for (const layout::entry* e : table.entries())
      if (e->kind == layout::kind_lock)
        names.emplace_back(e->name, strnlen(e->name, layout::name_capacity));
  }
  ::munmap(base, size);
  return names;
}

shared_segment::~shared_segment() { ::munmap(base_, size_); }

}  // namespace shoal
