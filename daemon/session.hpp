// One client connection: reads request lines, hands each to the dispatcher at once (so a
// waiting join never holds up the requests behind it), and writes replies in the order they
// become ready.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include "dispatcher.hpp"

namespace shoal {

class session : public std::enable_shared_from_this<session> {
 public:
  using socket_type = asio::local::stream_protocol::socket;
  using closed_fn = std::function<void(std::uint64_t id)>;

  session(socket_type socket, dispatcher& d, peer who, closed_fn on_closed);
  void start();
  void send(const json& message);
  // Answers one error reply and then closes (access refused, line too long). The reply is
  // written before anything is closed, and what the client still sends is read and dropped
  // for a moment (linger()), so that it reads the reply and then EOF, never a reset.
  void refuse(const status& error);
  void close();
  std::uint64_t id() const { return peer_.session; }

 private:
  void read_next();
  void on_line(std::size_t bytes);
  void write_next();
  void linger();
  void discard_input();

  socket_type socket_;
  dispatcher& dispatcher_;
  peer peer_;
  closed_fn on_closed_;
  std::string input_;
  std::unique_ptr<asio::steady_timer> linger_timer_;  // bounds linger(); set only while it runs
  std::size_t discarded_ = 0;
  std::deque<std::string> output_;
  std::size_t output_bytes_ = 0;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
};

}  // namespace shoal
