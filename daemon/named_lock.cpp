#include "daemon/named_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "daemon/shared_names.hpp"
#include "daemon/shared_segment.hpp"

namespace shoal {
namespace {

std::string describe_lock(const std::string& name) { return "lock semaphore '" + name + "'"; }

// Inspects the semaphore's file without following a symlink; ENOENT when there is none.
int stat_file(const std::string& name, struct stat& st) {
  int fd = ::open(semaphore_file(name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = ::fstat(fd, &st);
  int err = errno;
  ::close(fd);
  return rc == 0 ? 0 : err;
}

}  // namespace

result<std::unique_ptr<named_lock>> named_lock::open(const std::string& name, bool fresh) {
  const std::string what = describe_lock(name);
  if (fresh) {
    auto removed = remove(name);
    if (!removed.ok()) return removed;
  }
  // sem_open applies the umask and has no descriptor to fchmod: narrow the umask meanwhile
  // (the daemon has one thread).
  mode_t old_mask = ::umask(077);
  sem_t* sem = ::sem_open(name.c_str(), O_CREAT | O_EXCL, 0600, 1);
  int err = errno;
  ::umask(old_mask);
  if (sem != SEM_FAILED) return std::unique_ptr<named_lock>(new named_lock(name, sem, true));
  if (err != EEXIST) return status::from_errno(errc::internal, "unable to create " + what, err);

  struct stat st {};
  if (int e = stat_file(name, st); e != 0)
    return status::from_errno(errc::internal, "unable to inspect existing " + what, e);
  if (auto ok = check_private(st, what); !ok.ok()) return ok;
  if (static_cast<std::size_t>(st.st_size) != sizeof(sem_t))
    return status{errc::internal, "refusing to use " + what + ": it has " +
                                      std::to_string(st.st_size) + " bytes, not " +
                                      std::to_string(sizeof(sem_t)) + " like a semaphore" +
                                      " (remove it with 'shoald --cleanup' or start with --fresh)"};
  sem = ::sem_open(name.c_str(), 0);
  if (sem == SEM_FAILED) return status::from_errno(errc::internal, "unable to open " + what, errno);
  auto lock = std::unique_ptr<named_lock>(new named_lock(name, sem, false));
  lock->normalize();
  return lock;
}

status named_lock::remove(const std::string& name) {
  const std::string what = describe_lock(name);
  struct stat st {};
  int e = stat_file(name, st);
  if (e == ENOENT) return {};
  if (e != 0)
    return status::from_errno(errc::internal, "unable to inspect " + what + " to remove it", e);
  if (st.st_uid != ::geteuid())
    return {errc::permission_denied,
            "refusing to remove " + what + ": it belongs to uid " + std::to_string(st.st_uid)};
  if (::sem_unlink(name.c_str()) != 0 && errno != ENOENT)
    return status::from_errno(errc::internal, "unable to remove " + what, errno);
  return {};
}

named_lock::~named_lock() { ::sem_close(sem_); }

bool named_lock::try_acquire() {
  while (::sem_trywait(sem_) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

void named_lock::release() { ::sem_post(sem_); }

bool named_lock::held() const {
  int value = 1;
  ::sem_getvalue(sem_, &value);
  return value <= 0;
}

bool named_lock::normalize() {
  int value = 0;
  bool above = false;
  for (int i = 0; i < 1000 && ::sem_getvalue(sem_, &value) == 0 && value > 1; ++i) {
    above = true;
    ::sem_trywait(sem_);
  }
  return above;
}

}  // namespace shoal
