#include "daemon/rotating_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <numeric>
#include <utility>
#include <vector>

#include "daemon/log.hpp"

namespace shoal {
namespace {

// Writes all of `data` at `offset`; the bytes written before an error, and the errno (0: none).
std::pair<std::size_t, int> write_all(int fd, std::string_view data, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {done, errno};
    if (n == 0) return {done, ENOSPC};  // a regular file that accepts nothing is full
    done += static_cast<std::size_t>(n);
  }
  return {done, 0};
}

// Moves `length` bytes from the pipe `source` into the file at `offset`, as write_all writes
// them. The pipe holds them already (they were peeked), so an empty pipe is an error.
std::pair<std::size_t, int> splice_all(int source, int fd, std::size_t length,
                                       std::uint64_t offset) {
  std::size_t done = 0;
  while (done < length) {
    loff_t at = static_cast<loff_t>(offset + done);
    ssize_t n = ::splice(source, nullptr, fd, &at, length - done, SPLICE_F_NONBLOCK);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {done, errno};
    if (n == 0) return {done, EAGAIN};
    done += static_cast<std::size_t>(n);
  }
  return {done, 0};
}

// The logical offset of a file's first byte, where it is not what the files before it add up
// to (rotating_log.hpp).
constexpr const char* base_attribute = "user.shoal.offset";

std::optional<std::uint64_t> read_base(int fd) {
  char text[24];
  ssize_t n = ::fgetxattr(fd, base_attribute, text, sizeof text);
  if (n <= 0) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text, text + n, value);
  if (ec != std::errc{} || end != text + n) return std::nullopt;
  return value;
}

// Said once per process: the file system is the same for every log.
std::atomic<bool> unrecorded_said{false};

}  // namespace

std::string rotating_log::failure(const char* action, int err) const {
  return status::from_errno(
             errc::internal,
             std::string("unable to ") + action + " log file '" + dir_->path_of(file_) + "'", err)
      .message();
}

rotating_log::rotating_log(std::shared_ptr<const log_directory> dir, std::string file,
                           std::string label, log_limits limits)
    : dir_(std::move(dir)), file_(std::move(file)), label_(std::move(label)), limits_(limits) {}

status rotating_log::open() {
  auto fd = dir_->open_log(file_);
  if (!fd) return fd.error();
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return {errc::internal, failure("inspect", errno)};
  fd_ = std::move(*fd);
  size_ = static_cast<std::uint64_t>(st.st_size);
  rescan_backups();
  return {};
}

status rotating_log::check() {
  auto st = dir_->check_log(file_);
  checked_ = st.ok();
  return st;
}

void rotating_log::open_checked() {
  if (!checked_) return;
  checked_ = false;
  if (auto st = open(); !st) {
    error_ = st.message();
    log::warning("{}: {}; it is tried again at the first output", label_, error_);
  }
}

void rotating_log::rescan_backups() {
  backups_.clear();
  for (std::size_t i = 1; i <= static_cast<std::size_t>(limits_.backups); ++i)
    backups_.push_back(dir_->size_of(numbered(i)).value_or(0));
  while (!backups_.empty() && backups_.back() == 0) backups_.pop_back();
  // Most streams never rotate: their records keep no block for sizes that are all zero.
  backups_.shrink_to_fit();
  // Without a recorded offset, the current file starts where the backups end, so the oldest
  // byte on disk is offset 0.
  const std::uint64_t kept = std::accumulate(backups_.begin(), backups_.end(), std::uint64_t{0});
  auto recorded = recorded_base();
  base_ = recorded && *recorded >= kept ? *recorded : kept;
}

std::optional<std::uint64_t> rotating_log::recorded_base() const {
  if (fd_)
    if (auto base = read_base(fd_.get())) return base;
  // A crash between a rotation's new file and its attribute: NAME.out.1 was the current
  // file before it, and carries its own.
  if (backups_.empty()) return std::nullopt;
  auto older = dir_->open_read(numbered(1));
  if (!older) return std::nullopt;
  auto base = read_base(older->get());
  if (!base) return std::nullopt;
  return *base + backups_.front();
}

void rotating_log::record_base(std::uint64_t base) {
  if (!fd_ || base == std::accumulate(backups_.begin(), backups_.end(), std::uint64_t{0})) return;
  const std::string text = std::to_string(base);
  if (::fsetxattr(fd_.get(), base_attribute, text.data(), text.size(), 0) == 0) return;
  int err = errno;
  if (!unrecorded_said.exchange(true))
    log::warning(
        "{}: {}; a daemon started after this one counts the log's offsets afresh, and "
        "a 'logs --follow' running across the restart may miss or repeat lines",
        label_, failure("record the offset in", err));
}

std::uint64_t rotating_log::begin() const {
  return base_ - std::accumulate(backups_.begin(), backups_.end(), std::uint64_t{0});
}

bool rotating_log::ensure_open() {
  if (fd_) return true;
  auto fd = dir_->open_log(file_);
  if (!fd) {
    error_ = fd.error().message();
    return false;
  }
  struct stat st {};
  // Only this daemon writes here; if the file changed while it was closed (deleted,
  // truncated), the offsets follow what is there now.
  if (::fstat(fd->get(), &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
  fd_ = std::move(*fd);
  if (size_ == 0) record_base(base_);          // a file made by a rotation, or after remove_files()
  if (episode_failures_ == 0) error_.clear();  // open_checked() failed, and no write since
  return true;
}

void rotating_log::write(std::string_view data) { write(data, -1); }

std::size_t rotating_log::write(std::string_view data, int source) {
  std::size_t moved = 0;
  // Anything this write does not put in the file is dropped and counted, as after a failed
  // write; from a source pipe, the caller drops it (it is still in the pipe).
  auto give_up = [this, &data] { failed(error_, data.size()); };
  if (fd_) {
    // Writes go at the file's end, as with O_APPEND: one emptied behind the log's back
    // (`: > NAME.out`) is written from its new end, not past a hole.
    struct stat st {};
    if (::fstat(fd_.get(), &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
  }
  while (!data.empty()) {
    if (!ensure_open()) {
      give_up();
      return moved;
    }
    std::size_t take = data.size();
    if (limits_.max_bytes > 0) {
      if (size_ >= limits_.max_bytes) {
        if (!rotate()) {
          give_up();
          return moved;
        }
        continue;
      }
      std::uint64_t room = limits_.max_bytes - size_;
      if (take > room) {
        auto newline = data.substr(0, static_cast<std::size_t>(room)).rfind('\n');
        if (newline != std::string_view::npos) {
          take = newline + 1;
        } else if (size_ > 0) {
          // The line that does not fit starts the next file.
          if (!rotate()) {
            give_up();
            return moved;
          }
          continue;
        } else {
          take = static_cast<std::size_t>(room);  // one line longer than a whole file
        }
      }
    }
    auto [written, err] = source >= 0 ? splice_all(source, fd_.get(), take, size_)
                                      : write_all(fd_.get(), data.substr(0, take), size_);
    if (source >= 0 && err == EINVAL && written == 0) {
      // A file system that cannot splice: the bytes are written from the peek, then taken
      // from the pipe by the caller with the rest.
      source = -1;
      continue;
    }
    size_ += written;
    written_bytes_ += written;
    if (source >= 0) moved += written;
    data.remove_prefix(written);
    if (err != 0) {
      error_ = failure("write", err);
      give_up();
      return moved;
    }
    succeeded();
  }
  return moved;
}

bool rotating_log::rotate() {
  if (limits_.backups == 0) {
    // The offset first: a crash before the truncation then shows the file's bytes as
    // dropped (skipped), not as bytes a reader has not had yet.
    backups_.clear();
    record_base(base_ + size_);
    if (::ftruncate(fd_.get(), 0) != 0) {
      error_ = failure("empty", errno);
      return false;
    }
  } else {
    // Only the backups there are: renaming every number up to the limit cost 999 failed
    // renames a rotation with `--log-backups 1000`, which held the daemon (or the keeper, and
    // with it a new daemon's hello) for seconds. Backups another writer of these files (the
    // keeper, or a daemon before) added since they were counted are looked for past the count.
    const auto limit = static_cast<std::size_t>(limits_.backups);
    std::size_t oldest = std::min(backups_.size(), limit - 1);
    while (oldest < limit - 1 && dir_->exists(numbered(oldest + 1))) ++oldest;
    // Oldest first, so each rename replaces a file already moved on (or the one to drop).
    for (std::size_t i = oldest; i >= 1; --i) {
      auto moved = dir_->rename(numbered(i), numbered(i + 1));
      // A backup that could not move is overwritten by the next one; reads notice the hole.
      if (!moved && moved.code() != errc::not_found)
        log::warning("{}: {}", label_, moved.message());
    }
    auto moved = dir_->rename(file_, numbered(1));
    if (!moved && moved.code() != errc::not_found) {
      error_ = moved.message();
      return false;
    }
    fd_.reset();
    backups_.insert(backups_.begin(), size_);
    backups_.resize(std::min(backups_.size(), static_cast<std::size_t>(limits_.backups)));
  }
  base_ += size_;
  size_ = 0;
  ++rotations_;
  return ensure_open();
}

void rotating_log::remove_files() {
  fd_.reset();
  if (auto st = dir_->remove(file_); !st) log::warning("{}: {}", label_, st.message());
  // Backups past the current K may be left from an earlier, larger setting: the numbers are
  // contiguous, so the first missing one ends the list.
  for (std::size_t i = 1; i <= static_cast<std::size_t>(max_log_backups); ++i) {
    if (i > static_cast<std::size_t>(limits_.backups) && !dir_->exists(numbered(i))) break;
    if (auto st = dir_->remove(numbered(i)); !st) log::warning("{}: {}", label_, st.message());
  }
  backups_.clear();
  base_ += size_;
  size_ = 0;
}

result<log_chunk> rotating_log::read(std::optional<std::uint64_t> from, std::size_t max) const {
  const std::uint64_t first = begin(), last = end();
  log_chunk out;
  std::uint64_t at;
  if (!from) {
    at = last - std::min<std::uint64_t>(max, last - first);
  } else if (*from < first) {
    out.skipped = first - *from;
    at = first;
  } else {
    at = std::min(*from, last);
  }

  // The files oldest first, each with the logical offset of its first byte.
  std::vector<std::pair<std::string, std::uint64_t>> files;
  for (std::size_t i = backups_.size(); i >= 1; --i)
    files.emplace_back(numbered(i), backups_[i - 1]);
  files.emplace_back(file_, size_);
  std::uint64_t file_start = first;
  for (const auto& [name, size] : files) {
    const std::uint64_t file_end = file_start + size;
    const std::uint64_t want = std::min<std::uint64_t>(max - out.data.size(), last - at);
    if (want == 0) break;
    if (at < file_end) {
      const std::uint64_t n = std::min(want, file_end - at);
      std::string buf(static_cast<std::size_t>(n), '\0');
      std::size_t got = 0;
      if (auto fd = dir_->open_read(name)) {
        while (got < buf.size()) {
          ssize_t r = ::pread(fd->get(), buf.data() + got, buf.size() - got,
                              static_cast<off_t>(at - file_start + got));
          if (r < 0 && errno == EINTR) continue;
          if (r <= 0) break;
          got += static_cast<std::size_t>(r);
        }
      } else if (fd.error().code() != errc::not_found) {
        return fd.error();
      }
      if (got < buf.size()) {
        // The file is shorter than the daemon wrote (someone truncated or deleted it): what
        // follows a hole is not contiguous, so stop after what was read, or skip the hole.
        if (!out.data.empty() || got > 0) {
          out.data.append(buf, 0, got);
          at += got;
          break;
        }
        out.skipped += file_end - at;
        at = file_end;
      } else {
        out.data += buf;
        at += n;
      }
    }
    file_start = file_end;
  }
  out.offset = at;
  return out;
}

void rotating_log::failed(const std::string& what, std::size_t dropped) {
  ++failed_writes_;
  dropped_bytes_ += dropped;
  ++episode_failures_;
  episode_dropped_ += dropped;
  if (episode_failures_ == 1)
    log::warning("{}: {}; its output is dropped (and counted) until a write succeeds", label_,
                 what);
}

void rotating_log::succeeded() {
  if (episode_failures_ == 0) return;
  log::info("{}: writing '{}' again; {} bytes were dropped in {} failed writes", label_,
            dir_->path_of(file_), episode_dropped_, episode_failures_);
  episode_failures_ = 0;
  episode_dropped_ = 0;
  error_.clear();
}

}  // namespace shoal
