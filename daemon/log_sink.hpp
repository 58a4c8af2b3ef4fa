// Where the daemon's log lines go (stderr), written without ever blocking the loop.
//
// A line the descriptor cannot take at once (a pipe nobody reads, a terminal stopped with ^S,
// a journald stream that is behind) waits in a bounded queue and goes out when the descriptor
// is writable again. Once the queue is full, new lines are dropped and counted until it has
// drained; then one notice line says how many were lost, before any newer line.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

namespace shoal::log {

class sink {
 public:
  // Formats the notice for `dropped` lost lines, with its '\n'.
  using notice_fn = std::function<std::string(std::uint64_t dropped)>;

  static constexpr std::size_t default_max_queued_bytes = 64u << 10;

  // Writes to `fd`, which stays open and the caller's. A pipe or terminal is reopened through
  // /proc/self/fd with O_NONBLOCK (setting the flag on `fd` itself would change it for every
  // process sharing it, the shell's terminal included); a socket is written with MSG_DONTWAIT.
  sink(int fd, notice_fn notice, std::size_t max_queued_bytes = default_max_queued_bytes);
  ~sink();
  sink(const sink&) = delete;
  sink& operator=(const sink&) = delete;

  // One whole line, '\n' included: written now, queued, or dropped.
  void write(std::string line);
  // From now on queued lines are written from `io`'s loop as soon as the descriptor takes them.
  void attach(asio::io_context& io);
  // Stops using the loop (call it before the io_context goes), then waits up to `patience`
  // for queued lines to go out: the daemon's last words, when blocking no longer matters.
  void detach(std::chrono::milliseconds patience);

  std::size_t queued_bytes() const { return queued_bytes_; }
  // Lines lost since the last notice went out.
  std::uint64_t dropped() const { return dropped_; }

 private:
  enum class method { write, poll_then_write, send, discard };

  // Bytes written, or -1 with errno (EAGAIN: not now).
  long try_write(const char* data, std::size_t size);
  void enqueue(std::string line);
  // Writes queued lines, then a pending notice, until done or the descriptor is full.
  void pump();
  void wait_writable();

  notice_fn notice_;
  std::size_t max_queued_bytes_;
  method method_ = method::discard;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::deque<std::string> queue_;
  std::size_t front_written_ = 0;  // of queue_.front(), already out
  std::size_t queued_bytes_ = 0;
  // Set when the first line is lost; until the queue has drained and the notice is out,
  // every new line is lost too, so the notice sits where the gap is.
  bool dropping_ = false;
  std::uint64_t dropped_ = 0;
  std::unique_ptr<asio::posix::stream_descriptor> watch_;  // a duplicate of fd_, for the loop
  bool waiting_ = false;
};

}  // namespace shoal::log
