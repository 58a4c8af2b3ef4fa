// One output stream of one process, kept as files in the log directory: NAME.out (or .err)
// and, once it has grown to max_bytes, NAME.out.1 .. NAME.out.K, the highest number the
// oldest, like supervisord's logfile_maxbytes/logfile_backups. Only the daemon writes them.
//
// Bound: no file is ever longer than max_bytes, so a stream holds at most (K+1) x max_bytes
// on disk however fast its process writes. A rotation cuts after the last newline that fits,
// so each file starts at a line unless a single line is longer than a file. With K = 0 the
// file is emptied in place instead.
//
// Offsets: each byte written gets a logical offset that only grows, across rotations. The
// current file holds [base, base + size); NAME.out.1 the bytes just before base, and so on.
// Readers (`logs`, `logs --follow`) ask by logical offset, so a rotation between two reads
// neither repeats nor skips a byte; bytes already rotated off the oldest file are reported
// as skipped, never silently. Offsets outlive the daemon, so that a follower's cursor means
// the same byte to the next one (docs/restore.md): once bytes have been dropped, each new
// current file carries the offset of its first byte in the extended attribute
// `user.shoal.offset`, which a rename takes along and the next daemon (or the keeper) reads.
// Without it (files made before any drop, or a file system without user attributes) the
// oldest byte on disk is offset 0, which is right until the first drop.
//
// A write that fails (a full disk) drops the bytes and counts them; the daemon's log says so
// once when the failures start and once when a write succeeds again, never per write.
//
// Knows nothing of pipes or the event loop: whoever reads the process's output hands the
// bytes to write(), in order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log_limits.hpp"
#include "common/status.hpp"
#include "common/unique_fd.hpp"
#include "daemon/log_directory.hpp"

namespace shoal {

struct log_chunk {
  std::string data;
  std::uint64_t offset = 0;   // logical offset just past `data`: where to read next
  std::uint64_t skipped = 0;  // bytes before `data` that were asked for but are gone
};

class rotating_log {
 public:
  // `file` is NAME.out or NAME.err; `label` names the stream in the daemon's log, e.g.
  // "stdout of 'web'".
  rotating_log(std::shared_ptr<const log_directory> dir, std::string file, std::string label,
               log_limits limits);

  // Creates the current file when it is missing (a process that wrote nothing still has an
  // empty log) and counts what the files already there hold, so offsets go on after them.
  status open();
  // Refuses now what open() would refuse for what is under the name (a link, a directory),
  // and leaves the opening to open_checked(), which a start runs while the child is spawned:
  // opening and counting the files is most of a start's own work, and making a new file on a
  // journaling file system costs more than the rest of it.
  status check();
  // open() after check(). A failure (the name taken since) is this stream's error() until a
  // write succeeds, and the file is tried again at each write, as after a failed write.
  void open_checked();
  // Takes effect from the next write; backups past the new K are left alone.
  void set_limits(log_limits limits) { limits_ = limits; }
  const log_limits& limits() const { return limits_; }

  void write(std::string_view data);
  // The same, for `data` peeked from the pipe `source` and still in it: the bytes that reach
  // the file are moved from the pipe by splice(2), so each is either in the file or still in
  // the pipe at every instant, and a daemon killed at any point loses none and doubles none
  // (the keeper takes the pipe over). Returns how many it moved; the caller takes the rest
  // (not written: dropped and counted as after a failed write) out of the pipe itself.
  std::size_t write(std::string_view data, int source);
  // Closes the file until the next write, so an idle stream holds no descriptor.
  void release() { fd_.reset(); }
  // Deletes the current file and every backup.
  void remove_files();

  // Up to `max` bytes from logical offset `from` (clamped to the end); without `from`, the
  // last `max` bytes. Reads across the backups and the current file as one stream.
  result<log_chunk> read(std::optional<std::uint64_t> from, std::size_t max) const;
  std::uint64_t begin() const;  // the oldest byte still on disk
  std::uint64_t end() const { return base_ + size_; }

  std::uint64_t written_bytes() const { return written_bytes_; }
  std::uint64_t failed_writes() const { return failed_writes_; }
  std::uint64_t dropped_bytes() const { return dropped_bytes_; }
  std::uint64_t rotations() const { return rotations_; }
  // Why writes are failing now; empty while they succeed.
  const std::string& error() const { return error_; }
  const std::string& file() const { return file_; }

 private:
  std::string numbered(std::size_t i) const { return file_ + "." + std::to_string(i); }
  bool ensure_open();
  bool rotate();
  void rescan_backups();
  // The offset the current file's first byte carries (or, when it carries none, the one
  // NAME.out.1 does plus its size); nullopt when neither does.
  std::optional<std::uint64_t> recorded_base() const;
  // Marks the current file as starting at `base`, when that is not what the backups add up to.
  void record_base(std::uint64_t base);
  // "unable to ACTION log file 'PATH': REASON"
  std::string failure(const char* action, int err) const;
  void failed(const std::string& what, std::size_t dropped);
  void succeeded();

  std::shared_ptr<const log_directory> dir_;
  std::string file_;
  std::string label_;
  log_limits limits_;
  unique_fd fd_;  // the current file, O_APPEND; closed while idle (release) or after a failure
  std::uint64_t base_ = 0;  // logical offset of the current file's first byte
  std::uint64_t size_ = 0;  // bytes in the current file
  // Sizes of NAME.out.1, .2, ...: the newest first. A vector, not a deque: a record that
  // never rotates allocates nothing for it.
  std::vector<std::uint64_t> backups_;
  bool checked_ = false;  // check() passed; open_checked() has yet to open

  std::uint64_t written_bytes_ = 0;
  std::uint64_t failed_writes_ = 0;
  std::uint64_t dropped_bytes_ = 0;
  std::uint64_t rotations_ = 0;
  std::string error_;
  // The current failure episode, for the one line that ends it.
  std::uint64_t episode_failures_ = 0;
  std::uint64_t episode_dropped_ = 0;
};

}  // namespace shoal
