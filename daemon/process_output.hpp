// Everything one process writes: its stdout and stderr logs, the pipes they are read from,
// and the `logs` requests waiting for more. One per process name, shared by all its runs
// (restarts, and a new start under the same name), so offsets only grow and a follower never
// sees a stream start over. The process record owns it; its pipes call back into it only
// while it lives.
//
// The pipes are apart from the logs on purpose: the read end of a pipe can be handed to
// another owner (a process that outlives the daemon) and back, while the rotating_log
// stays whoever's writes the files.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "common/protocol.hpp"
#include "daemon/log_directory.hpp"
#include "daemon/output_journal.hpp"
#include "daemon/output_pipe.hpp"
#include "daemon/rotating_log.hpp"

namespace shoal {

enum class output_stream { out = 0, err = 1 };

class process_output : public std::enable_shared_from_this<process_output> {
 public:
  // Opens (creating when missing) NAME.out and NAME.err in `dir`.
  static result<std::shared_ptr<process_output>> open(asio::io_context& io,
                                                      std::shared_ptr<const log_directory> dir,
                                                      const std::string& name, log_limits limits);
  // open() in two steps: check() refuses what open() would, and finish_attach(), which a
  // start runs while the child is spawned, opens the files (rotating_log::check).
  static result<std::shared_ptr<process_output>> check(asio::io_context& io,
                                                       std::shared_ptr<const log_directory> dir,
                                                       const std::string& name, log_limits limits);
  ~process_output();
  process_output(const process_output&) = delete;
  process_output& operator=(const process_output&) = delete;

  void set_limits(log_limits limits);
  const log_limits& limits() const { return streams_[0]->limits(); }

  // Makes the stdout and stderr pipes of a new run. Returns the write ends for the child; the
  // caller closes them once it is spawned, so the pipes end when the child and whatever
  // inherited them have exited. The read ends stay the pipes' (`read`, for a keeper to hold
  // copies of); finish_attach() starts reading them.
  struct run_pipes {
    std::array<unique_fd, 2> write;
    std::array<int, 2> read{-1, -1};
  };
  result<run_pipes> attach_run();
  // Opens the files check() left, and starts reading the pipes of attach_run(). A start runs
  // it while the child is spawned, whatever the spawn's outcome: nothing a child needs
  // waits for it.
  void finish_attach();
  // Reads on from the read ends of a run an earlier daemon started (either may be empty).
  void adopt_run(std::array<unique_fd, 2> read_ends);
  // Everything still in the pipes reaches the logs (the run was reaped; output_pipe::drain).
  void drain();
  // Stops reading every pipe; what is still in them is lost.
  void close();
  void remove_files();
  // Some pipe is still open: a run, or a descendant that inherited its output, may write.
  bool reading() const;
  // Nothing was ever written, failed or rotated, no pipe is open and no `logs` request waits:
  // opening the same files again (open()) gives an object equal to this one.
  bool holds_nothing() const;

  rotating_log& stream(output_stream which) { return *streams_[static_cast<std::size_t>(which)]; }
  // When each piece of output arrived, across both streams (for `logs` by lines).
  const output_journal& journal() const { return journal_; }
  // {"stdout": {...}, "stderr": {...}}: written_bytes, rotations, failed_writes,
  // dropped_bytes, error (docs/protocol.md, the process record).
  json describe() const;

  // A `logs` request that found nothing new: `wake` runs once, when either stream grows, the
  // process changes state (wake()), or `timeout` seconds pass, whichever is first.
  void wait(std::uint64_t session, double timeout, std::function<void()> wake);
  void wake();
  void session_closed(std::uint64_t session);

  struct token {};  // for make_shared; use open()
  process_output(token, asio::io_context& io);

 private:
  static result<std::shared_ptr<process_output>> open_streams(
      asio::io_context& io, std::shared_ptr<const log_directory> dir, const std::string& name,
      log_limits limits, status (rotating_log::*open_one)());
  struct waiter {
    std::uint64_t session;
    std::function<void()> wake;
    std::unique_ptr<asio::steady_timer> timer;
  };
  void pipe_closed();
  void start_pipe(int index, unique_fd read_end);
  // Stream `index` grew: notes when, then wakes the waiting `logs` requests.
  void received(int index);

  asio::io_context& io_;
  std::array<std::shared_ptr<rotating_log>, 2> streams_;
  std::vector<std::shared_ptr<output_pipe>> pipes_;  // dropped once all are closed
  std::map<std::uint64_t, waiter> waiters_;
  std::uint64_t next_waiter_ = 1;
  output_journal journal_;
  std::array<unique_fd, 2> unread_;  // read ends attach_run() made, until finish_attach()
  std::array<std::uint64_t, 2> journaled_end_{};  // per stream: the offset the journal has reached
};

}  // namespace shoal
