// The daemon's end of its keeper (keeper.hpp): finds the keeper an earlier daemon left in the
// state directory or starts one, takes back the children it holds, and then asks it to spawn
// and signal, and hears from it when a child is reaped.
//
// Requests that need an answer (spawn, signal_group) wait for it synchronously: the keeper
// answers at once, and a spawn is synchronous anyway. A signal whose outcome nobody reads (a
// stop's SIGCONT and escalation) goes unanswered; a stop's first signal is answered, so that the
// keeper has taken the `stopping` before the leader can die (supervisor_stop.cpp). An exit the
// keeper reports meanwhile is queued and delivered from the event loop, never from inside the
// request.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include "common/log_limits.hpp"
#include "common/status.hpp"
#include "common/unique_fd.hpp"
#include "daemon/keeper_protocol.hpp"
#include "daemon/spawner.hpp"

namespace shoal {

// A child the keeper held when this daemon attached.
struct keeper_entry {
  pid_t pid = -1;
  std::uint64_t start_ticks = 0;
  bool exited = false;
  int wait_status = 0;  // when exited
  std::string name;
  unique_fd out, err;  // the read ends still open
  unique_fd pidfd;     // while it runs
};

class keeper_link {
 public:
  // Connects to STATE_DIR/keeper.sock, starting a keeper first when nobody listens there.
  static result<std::unique_ptr<keeper_link>> open(asio::io_context& io,
                                                   const std::string& state_dir,
                                                   const std::string& log_dir);
  // Starts a keeper without looking for one: the daemon lost its own, whose socket file may
  // still be there (and the keeper still listening on it, if it could not be ended).
  static result<std::unique_ptr<keeper_link>> start_new(asio::io_context& io,
                                                        const std::string& state_dir,
                                                        const std::string& log_dir);
  ~keeper_link();
  keeper_link(const keeper_link&) = delete;
  keeper_link& operator=(const keeper_link&) = delete;

  pid_t pid() const { return keeper_pid_; }
  // False once the keeper has gone (or was detached from).
  bool alive() const { return !broken_; }
  // Whether the keeper was started by this daemon (false: an earlier daemon's, adopted).
  bool started_here() const { return started_here_; }
  // What the keeper held at attach; taken once.
  std::vector<keeper_entry> take_entries() { return std::move(entries_); }

  // `meanwhile` runs while the keeper spawns (process_host::spawn).
  result<spawned_child> spawn(const spawn_request& request, const std::function<void()>& meanwhile);
  int signal_group(pid_t pid, int signo);
  void signal_group_unanswered(pid_t pid, int signo);
  void stopping(pid_t pid);
  void signal_orphan(pid_t pid, int signo);
  // Sent with the next message the keeper must act on, not alone: each message wakes the
  // keeper, and an exit already costs it one wake-up. It erases only reaped children, and
  // every pid it reuses comes from a spawn, which sends the queue first.
  void forget(pid_t pid);
  // Sends what forget() has queued now.
  void flush_forgets() { send_forgets(); }
  void set_log_limits(pid_t pid, const log_limits& limits);
  // The daemon stopped every child: the keeper exits.
  void quit();
  // Leaves the keeper with the children (upgrade, or the daemon's end without stopping them).
  void detach();

  // `fn(pid, wait_status)` for each child the keeper reaps; starts listening.
  void on_exit(std::function<void(pid_t, int)> fn);
  // `fn(why)` once the keeper is lost (gone, or not answering in time), posted to the loop.
  void on_lost(std::function<void(const std::string& why)> fn);
  // A lost keeper may still run (stopped, or stuck in a spawn) and act behind the daemon's
  // back: SIGKILL through the pidfd taken at attach, a bounded wait for its end, and its reap
  // when this daemon started it. True when it was still running.
  bool end_process();

  struct token {};
  keeper_link(token, asio::io_context& io, unique_fd sock, bool started_here);

 private:
  static result<std::unique_ptr<keeper_link>> attach(asio::io_context& io,
                                                     const std::string& state_dir,
                                                     const std::string& log_dir, bool find_first);
  status hello();
  void hold_process(pid_t pid);
  void send(const keeper_header& h, const std::string& body = {}, const int* fds = nullptr,
            std::size_t nfds = 0);
  // Waits for the answer `op`, queueing exits that come first; false when the keeper is gone.
  bool await(keeper_op op, keeper_header& h, std::string* body, std::vector<unique_fd>* fds);
  // One message, if one is there: an exit is queued (and false returned), anything else is
  // left in buf_ for the caller, `len` bytes. False too when there is none, or the keeper
  // has gone (broken_).
  bool take(keeper_header& h, std::size_t& len, std::vector<unique_fd>& fds);
  // poll() for `events` until `deadline`: what is ready, or 0 once the keeper has gone or is
  // lost for not doing `what` ("answer") in time.
  short poll_until(short events, std::chrono::steady_clock::time_point deadline, const char* what);
  // Until the keeper's queue has room for a message: false when the keeper is gone or
  // `deadline` passes.
  bool wait_for_room(std::chrono::steady_clock::time_point deadline);
  void arm();
  void read_ready();
  void deliver_later();
  void lost(const std::string& why);

  asio::io_context& io_;
  asio::posix::stream_descriptor sock_;
  bool started_here_;
  bool broken_ = false;
  pid_t keeper_pid_ = -1;
  unique_fd keeper_pidfd_;
  std::string lost_why_;
  std::function<void(const std::string&)> on_lost_;
  std::uint32_t keeper_version_ = 1;  // hello_done's
  std::vector<keeper_entry> entries_;
  std::function<void(pid_t, int)> on_exit_;
  std::deque<std::pair<pid_t, int>> pending_exits_;
  std::vector<pid_t> unsent_forgets_;  // forget() not yet told to the keeper
  void send_forgets();
  bool delivery_posted_ = false;
  // Room for the largest message, left uninitialised: only what a packet fills is ever
  // touched, so the pages of a buffer this size that no message reaches cost no memory.
  static constexpr std::size_t buf_size_ = keeper_max_message + sizeof(keeper_header);
  std::unique_ptr<char[]> buf_;
};

}  // namespace shoal
