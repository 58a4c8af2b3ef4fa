#include "session.hpp"

#include <asio/buffer.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>

#include "log.hpp"

namespace shoal {
namespace {

// A client that stops reading while asking for more gets cut off rather than growing the
// daemon's memory without bound.
constexpr std::size_t max_pending_output = 64u << 20;

// After a refusal: how long, and how many bytes, the client gets to finish sending before the
// connection is closed anyway. A client that reads its reply is done well within both.
constexpr auto linger_time = std::chrono::seconds(2);
constexpr std::size_t linger_bytes = 64 * 1024;

}  // namespace

session::session(socket_type socket, dispatcher& d, peer who, closed_fn on_closed)
    : socket_(std::move(socket)), dispatcher_(d), peer_(who), on_closed_(std::move(on_closed)) {}

void session::start() { read_next(); }

void session::read_next() {
  if (closed_ || close_after_write_) return;
  // One byte more than the limit, for the '\n' of a maximal line.
  asio::async_read_until(socket_, asio::dynamic_buffer(input_, max_line_bytes + 1), '\n',
                         [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                           if (ec == asio::error::not_found) {
                             self->refuse({errc::too_large, "request line exceeds " +
                                                                std::to_string(max_line_bytes) +
                                                                " bytes; closing the connection"});
                             return;
                           }
                           if (ec) {
                             if (ec != asio::error::eof && ec != asio::error::operation_aborted &&
                                 ec != asio::error::connection_reset)
                               log::debug("session {}: read failed: {}", self->id(), ec.message());
                             self->close();
                             return;
                           }
                           self->on_line(n);
                         });
}

void session::on_line(std::size_t bytes) {
  std::string_view line(input_.data(), bytes - 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty()) {
    std::weak_ptr<session> weak = weak_from_this();
    dispatcher_.dispatch(line, peer_, [weak](const json& reply) {
      if (auto self = weak.lock()) self->send(reply);
    });
  }
  input_.erase(0, bytes);
  read_next();
}

void session::send(const json& message) {
  if (closed_) return;
  std::string line = to_line(message);
  output_bytes_ += line.size();
  output_.push_back(std::move(line));
  if (output_bytes_ > max_pending_output) {
    log::warning("session {} (pid {}): client is not reading its replies; disconnecting", id(), peer_.pid);
    close();
    return;
  }
  if (!writing_) write_next();
}

void session::refuse(const status& error) {
  send(make_error_reply(nullptr, error));
  close_after_write_ = true;
  if (!writing_ && !closed_) linger();
}

// Closing a Unix socket whose receive queue holds unread bytes makes the peer's next read fail
// with ECONNRESET, and its next write with EPIPE, even with our reply still waiting for it. So
// the reply is followed by EOF (shutdown of our side's sending), and what the peer sends
// meanwhile is read and dropped until it closes, or for linger_time or linger_bytes at most.
void session::linger() {
  if (closed_ || linger_timer_) return;
  std::error_code ignored;
  socket_.shutdown(socket_type::shutdown_send, ignored);
  linger_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor(), linger_time);
  linger_timer_->async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (!ec) self->close();
  });
  discard_input();
}

void session::discard_input() {
  if (closed_) return;
  input_.resize(4096);
  socket_.async_read_some(asio::buffer(input_), [self = shared_from_this()](const std::error_code& ec,
                                                                           std::size_t n) {
    self->discarded_ += n;
    if (ec || self->discarded_ > linger_bytes) return self->close();
    self->discard_input();
  });
}

void session::write_next() {
  if (closed_) return;
  if (output_.empty()) {
    writing_ = false;
    if (close_after_write_) linger();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(output_.front()),
                    [self = shared_from_this()](const std::error_code& ec, std::size_t) {
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->output_bytes_ -= self->output_.front().size();
                      self->output_.pop_front();
                      self->write_next();
                    });
}

void session::close() {
  if (closed_) return;
  closed_ = true;
  if (linger_timer_) linger_timer_->cancel();
  std::error_code ignored;
  socket_.shutdown(socket_type::shutdown_both, ignored);
  socket_.close(ignored);
  output_.clear();
  dispatcher_.session_closed(id());
  if (on_closed_) on_closed_(id());
}

}  // namespace shoal
