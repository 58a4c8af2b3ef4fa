// The listening socket and the set of live sessions.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include "daemon/client_budget.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/log_throttle.hpp"
#include "daemon/peer_access.hpp"
#include "daemon/session.hpp"

namespace shoal {

class server {
 public:
  // Decides whether a peer may talk to the daemon; empty status = allowed. The credentials
  // are read once, when the connection is accepted, and are the ones every request of the
  // session is judged by.
  using access_check = std::function<status(const peer_credentials&)>;

  // `max_queued_bytes`: the cap of the client_budget every session shares.
  server(asio::io_context& io, dispatcher& d,
         std::size_t max_queued_bytes = default_max_queued_bytes);
  ~server();

  // Binds `path`, mode 0600. Refuses when a live daemon answers there; replaces a stale
  // socket file left by a dead one; never deletes anything that is not a socket.
  status listen(const std::string& path);
  // Serves an already listening socket (socket activation); the path is not ours to remove.
  status adopt(int fd, const std::string& path);
  void set_access_check(access_check check) { access_check_ = std::move(check); }

  void start_accepting();
  void stop_accepting();  // and remove the socket file if we created it
  void close_sessions();
  std::size_t session_count() const { return sessions_.size(); }
  // What `reexec` hands over (daemon/reexec.hpp): the listening descriptor, whether the
  // socket file is ours to remove, and a session's connection (-1 when it has gone).
  int listening_fd() { return acceptor_.is_open() ? acceptor_.native_handle() : -1; }
  bool owns_path() const { return owns_path_; }
  int session_fd(std::uint64_t id) const;
  // After adopt(): the socket file is ours after all (it was bound by an earlier image of
  // this daemon, not by a service manager).
  void claim_path() { owns_path_ = !path_.empty(); }
  const client_budget& budget() const { return budget_; }

 private:
  void accept_next();
  void accept_failed(const std::error_code& ec);
  // Over the budget's cap: cuts off the client holding the most until it is not.
  void relieve_budget();

  dispatcher& dispatcher_;
  asio::local::stream_protocol::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::string path_;
  bool owns_path_ = false;
  access_check access_check_;
  log_throttle accept_failures_;
  std::uint64_t next_session_ = 1;
  client_budget budget_;  // before sessions_: every session refers to it
  std::unordered_map<std::uint64_t, std::shared_ptr<session>> sessions_;
  // Sessions tell the server they have gone a turn after they close; a server destroyed by
  // then must not be told.
  std::shared_ptr<server*> self_ = std::make_shared<server*>(this);
};

}  // namespace shoal
