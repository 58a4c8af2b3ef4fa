// One client connection: reads request lines, hands each to the dispatcher at once (so a
// waiting join never holds up the requests behind it), and writes replies in the order they
// become ready. What it holds for its client counts against the daemon-wide client_budget.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include "daemon/client_budget.hpp"
#include "daemon/dispatcher.hpp"

namespace shoal {

class session : public std::enable_shared_from_this<session> {
 public:
  using socket_type = asio::local::stream_protocol::socket;
  using closed_fn = std::function<void(std::uint64_t id)>;

  session(socket_type socket, dispatcher& d, client_budget& budget, peer who, closed_fn on_closed);
  void start();
  void send(json message);
  // Answers one error reply and then closes (access refused, line too long). The reply is
  // written before anything is closed, and what the client still sends is read and dropped
  // for a moment (linger()), so that it reads the reply and then EOF, never a reset.
  void refuse(const status& error);
  // Closes the connection and drops what is queued for it, at once; the components that keep
  // something for this session hear of it on the next turn of the loop, so close() is safe
  // from inside any handler, even one iterating over their own waiters.
  void close();
  // close(), with a log line saying why: of all clients, this one holds the most while the
  // budget is over its cap.
  void cut_off();

  std::uint64_t id() const { return peer_.session; }
  bool closed() const { return closed_; }
  int native_handle() { return socket_.native_handle(); }
  // Bytes this session holds against the budget; 0 once closed.
  std::size_t held() const { return held_; }

 private:
  friend struct waiting_request;

  void read_next();
  void on_readable();
  void handle_next();
  void handle_line(std::string_view line);
  void write_next();
  void linger();
  void discard_input();
  void stopped_waiting(std::size_t charge);
  // Re-counts what this session holds and tells the budget, which may cut clients off
  // (this one included) before returning.
  void account();

  socket_type socket_;
  dispatcher& dispatcher_;
  client_budget& budget_;
  peer peer_;
  closed_fn on_closed_;
  // Bytes read and not yet handled: whole lines first, then at most one partial line.
  // input_[0, handled_) is done; input_[unsearched_, end) has not been searched for '\n'.
  std::string input_;
  std::size_t handled_ = 0;
  std::size_t unsearched_ = 0;
  std::unique_ptr<asio::steady_timer> linger_timer_;  // bounds linger(); set only while it runs
  std::size_t discarded_ = 0;
  bool discarding_ = false;         // a discard_input() read is in flight
  std::deque<std::string> output_;  // front() is being written while writing_
  std::size_t output_bytes_ = 0;    // charged for output_, queued_line_overhead included
  std::size_t waiting_bytes_ = 0;   // charged for requests whose responder someone still keeps
  std::size_t held_ = 0;            // what the budget was last told
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
};

}  // namespace shoal
