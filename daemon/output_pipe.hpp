// The daemon's end of one pipe a child writes its stdout or stderr to. Reads it on the event
// loop and hands every byte, in order, to the stream's rotating_log: the child never writes
// a file itself, so the daemon alone decides when a file rotates (docs/logging.md). A byte
// leaves the pipe only as it enters the file (peeked, then spliced): a daemon killed at any
// instant leaves the rest to the keeper, and no byte is lost or written twice.
//
// Fairness: one read of at most 16 KiB per turn of the loop. After a full read the next one
// is posted behind whatever else is ready, so a child that floods its output costs other
// clients one chunk's latency, never a stall.
//
// Order: every read happens in this class, synchronously, so bytes reach the log in the
// order the child wrote them whether they arrive by the loop or by drain().
//
// Lifetime: the owner (process_output) holds the pipe; the loop's pending wait holds it only
// weakly, so dropping the owner's reference closes the descriptor and cancels the wait.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include "common/unique_fd.hpp"
#include "daemon/rotating_log.hpp"

namespace shoal {

class output_pipe : public std::enable_shared_from_this<output_pipe> {
 public:
  // `read_end` must be non-blocking. `on_output` runs after each write to the log (for
  // waiting readers); `on_closed` once the pipe has reached end of file or failed.
  static std::shared_ptr<output_pipe> start(asio::io_context& io, unique_fd read_end,
                                            std::shared_ptr<rotating_log> sink,
                                            std::function<void()> on_output,
                                            std::function<void()> on_closed);
  ~output_pipe();
  output_pipe(const output_pipe&) = delete;
  output_pipe& operator=(const output_pipe&) = delete;

  // Reads what is in the pipe now, up to its capacity: called when the child has been
  // reaped, so everything it wrote reaches the log before its exit is reported. Bounded
  // even if a grandchild holding the pipe keeps writing.
  void drain();
  // Stops reading and closes the read end (bytes still in the pipe are lost).
  void close();
  bool is_open() const { return descriptor_.is_open(); }

  // Public for make_shared; use start().
  struct token {};
  output_pipe(token, asio::io_context& io, unique_fd read_end, std::shared_ptr<rotating_log> sink,
              std::function<void()> on_output, std::function<void()> on_closed);

 private:
  enum class outcome { more, empty, closed };
  outcome read_once();
  // Up to `max` bytes from the pipe into the log: how many, 0 at the end, -1 with errno.
  ssize_t pass_on(std::size_t max);
  void on_ready();
  void arm();
  void finish();

  asio::io_context& io_;
  asio::posix::stream_descriptor descriptor_;
  std::shared_ptr<rotating_log> sink_;
  std::function<void()> on_output_;
  std::function<void()> on_closed_;
  std::size_t capacity_;  // the pipe's buffer size: the most a dead writer can have left in it
};

// A new pipe for a child's output: the read end non-blocking, both ends close-on-exec (the
// spawner dup2s the write end onto the child's 1 or 2, which clears the flag there).
struct pipe_ends {
  unique_fd read;
  unique_fd write;
};
result<pipe_ends> make_output_pipe();

}  // namespace shoal
