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

#include "dispatcher.hpp"
#include "peer_access.hpp"
#include "session.hpp"

namespace shoal {

class server {
 public:
  // Decides whether a peer may talk to the daemon; empty status = allowed. The credentials
  // are read once, when the connection is accepted, and are the ones every request of the
  // session is judged by.
  using access_check = std::function<status(const peer_credentials&)>;

  server(asio::io_context& io, dispatcher& d);
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

 private:
  void accept_next();

  asio::io_context& io_;
  dispatcher& dispatcher_;
  asio::local::stream_protocol::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::string path_;
  bool owns_path_ = false;
  access_check access_check_;
  std::uint64_t next_session_ = 1;
  std::unordered_map<std::uint64_t, std::shared_ptr<session>> sessions_;
};

}  // namespace shoal
