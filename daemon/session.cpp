#include "daemon/session.hpp"

#include <utility>

#include <asio/buffer.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "daemon/log.hpp"

namespace shoal {
namespace {

// Read in chunks this large, and only when no whole line is left to handle: an idle client
// holds no buffer at all, and a busy one at most its partial line plus one chunk.
constexpr std::size_t read_chunk_bytes = 16u << 10;

// After a refusal: how long, and how many bytes, the client gets to finish sending before the
// connection is closed anyway. A client that reads its reply is done well within both.
constexpr auto linger_time = std::chrono::seconds(2);
constexpr std::size_t linger_bytes = 64 * 1024;

// Below this, a string's buffer comes from the heap (glibc's mmap threshold); above, from
// pages of its own that are resident only once written.
constexpr std::size_t small_line_bytes = 128u << 10;

// What a buffer holds in memory: all of a small one, the written part of a large one.
std::size_t resident_bytes(const std::string& s) {
  return s.capacity() < small_line_bytes ? s.capacity() : s.size();
}

}  // namespace

// A request that a handler kept to answer later (a join, a lock acquire, a watch): it holds
// its session's share of the budget until the last copy of its responder is gone.
struct waiting_request {
  std::weak_ptr<session> owner;
  std::size_t charge = 0;
  ~waiting_request() {
    if (charge == 0) return;
    if (auto s = owner.lock()) s->stopped_waiting(charge);
  }
};

session::session(socket_type socket, dispatcher& d, client_budget& budget, peer who,
                 closed_fn on_closed)
    : socket_(std::move(socket)),
      dispatcher_(d),
      budget_(budget),
      peer_(who),
      on_closed_(std::move(on_closed)) {}

void session::start() {
  // Reads are tried only once the socket is readable, and must never wait.
  std::error_code ec;
  socket_.non_blocking(true, ec);
  if (ec) {
    log::warning("session {} (pid {}): unable to make the connection non-blocking: {}", id(),
                 peer_.pid, ec.message());
    close();
    return;
  }
  read_next();
}

void session::read_next() {
  if (closed_ || close_after_write_) return;
  socket_.async_wait(
      socket_type::wait_read, [self = shared_from_this()](const std::error_code& ec) {
        if (ec) {
          if (ec != asio::error::operation_aborted)
            log::debug("session {}: waiting to read failed: {}", self->id(), ec.message());
          self->close();
          return;
        }
        self->on_readable();
      });
}

void session::on_readable() {
  if (closed_ || close_after_write_) return;
  std::size_t old = input_.size();
  input_.resize(old + read_chunk_bytes);
  std::error_code ec;
  std::size_t n = socket_.read_some(asio::buffer(input_.data() + old, read_chunk_bytes), ec);
  input_.resize(old + n);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    read_next();
    return;
  }
  if (ec == asio::error::eof) {
    // The client has said all it will say: what is already queued for it still goes out.
    close_after_write_ = true;
    if (!writing_) close();
    return;
  }
  if (ec) {
    if (ec != asio::error::connection_reset)
      log::debug("session {}: read failed: {}", id(), ec.message());
    close();
    return;
  }
  handle_next();
}

// One line per turn of the loop, so a client that pipelines thousands of requests delays the
// others by one request at a time.
void session::handle_next() {
  if (closed_ || close_after_write_) return;
  std::size_t newline = input_.find('\n', unsearched_);
  if (newline == std::string::npos) {
    unsearched_ = input_.size();
    if (input_.size() - handled_ > max_line_bytes) {
      refuse({errc::too_large, "request line exceeds " + std::to_string(max_line_bytes) +
                                   " bytes; closing the connection"});
      return;
    }
    if (handled_ == input_.size()) {
      std::string().swap(input_);  // nothing pending: give the buffer back
      handled_ = unsearched_ = 0;
    } else if (handled_ > 0) {
      input_.erase(0, handled_);
      unsearched_ -= handled_;
      handled_ = 0;
    }
    account();
    read_next();
    return;
  }
  if (newline - handled_ > max_line_bytes) {
    refuse({errc::too_large, "request line exceeds " + std::to_string(max_line_bytes) +
                                 " bytes; closing the connection"});
    return;
  }
  std::string_view line(input_.data() + handled_, newline - handled_);
  handled_ = unsearched_ = newline + 1;
  handle_line(line);
  if (closed_ || close_after_write_) return;
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->handle_next(); });
}

void session::handle_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return;
  std::size_t line_bytes = line.size();
  auto waiting = std::make_shared<waiting_request>();
  waiting->owner = weak_from_this();
  {
    std::weak_ptr<session> weak = weak_from_this();
    responder::send_fn send = [weak, waiting](json reply) {
      if (auto self = weak.lock()) self->send(std::move(reply));
    };
    dispatcher_.dispatch(line, peer_, send);
  }
  // A handler that kept a copy of the reply function answers later: until then the request
  // holds memory in the daemon, and counts.
  if (waiting.use_count() > 1 && !closed_) {
    waiting->charge = waiting_request_bytes(line_bytes);
    waiting_bytes_ += waiting->charge;
    account();
  }
}

void session::stopped_waiting(std::size_t charge) {
  if (closed_) return;
  waiting_bytes_ -= charge;
  account();
}

void session::send(json message) {
  if (closed_) return;
  bool is_reply = message.is_object() && message.contains("ok");
  json id = is_reply ? message.value("id", json(nullptr)) : json(nullptr);
  std::string line = to_line(std::move(message));
  // A reply larger than the whole budget could only get its client cut off: say so instead,
  // and keep the connection.
  if (line.size() + queued_line_overhead > budget_.cap() && is_reply)
    line = to_line(make_error_reply(id, oversized_reply(budget_.cap(), line.size())));
  // A short line's spare capacity comes from the heap, and is given back; a long one's is
  // never written, so never resident.
  if (line.size() < small_line_bytes) line.shrink_to_fit();
  output_bytes_ += resident_bytes(line) + queued_line_overhead;
  output_.push_back(std::move(line));
  account();  // may cut this very session off
  if (!closed_ && !writing_) write_next();
}

void session::refuse(const status& error) {
  send(make_error_reply(nullptr, error));
  close_after_write_ = true;
  if (closed_) return;
  // While earlier replies are still going out, what the client sends is read and dropped: a
  // client blocked writing to us would otherwise never get to read them, nor the refusal.
  if (writing_)
    discard_input();
  else
    linger();
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

// Before linger() only the client's EOF or an error ends the dropping; once lingering, so do
// linger_bytes.
void session::discard_input() {
  if (closed_ || discarding_) return;
  discarding_ = true;
  input_.resize(4096);
  socket_.async_read_some(asio::buffer(input_),
                          [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                            self->discarding_ = false;
                            if (!self->linger_timer_) {
                              if (ec == asio::error::eof)
                                return;  // nothing more to drop; the replies still go out
                              if (ec) return self->close();
                              return self->discard_input();
                            }
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
                      if (self->closed_) {
                        self->writing_ = false;
                        self->output_.clear();  // close() left the line in flight to this handler
                        return;
                      }
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->output_bytes_ -=
                          resident_bytes(self->output_.front()) + queued_line_overhead;
                      self->output_.pop_front();
                      self->account();
                      self->write_next();
                    });
}

void session::account() {
  std::size_t now = closed_ ? 0 : resident_bytes(input_) + output_bytes_ + waiting_bytes_;
  std::size_t before = std::exchange(held_, now);  // current before the budget looks at sessions
  budget_.update(before, now);
}

void session::cut_off() {
  if (closed_) return;
  log::warning(
      "disconnecting client pid {} uid {}, which holds the most memory: {} bytes ({} of replies it "
      "has "
      "not read, {} of requests not yet handled, {} for requests waiting for an answer); all "
      "clients hold "
      "{} bytes, over --max-queued-bytes {}",
      peer_.pid, peer_.uid, held_, output_bytes_, resident_bytes(input_), waiting_bytes_,
      budget_.held(), budget_.cap());
  close();
}

void session::close() {
  if (closed_) return;
  closed_ = true;
  if (linger_timer_) linger_timer_->cancel();
  std::error_code ignored;
  socket_.shutdown(socket_type::shutdown_both, ignored);
  socket_.close(ignored);
  // A line being written stays until its write handler runs: asio still points into it.
  while (output_.size() > (writing_ ? 1u : 0u)) output_.pop_back();
  output_bytes_ = 0;
  waiting_bytes_ = 0;
  account();
  // The input buffer may still be under a line the dispatcher is reading, and the components
  // told below may be iterating over this session's waiters right now: both wait a turn.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    std::string().swap(self->input_);
    self->dispatcher_.session_closed(self->id());
    if (self->on_closed_) self->on_closed_(self->id());
  });
}

}  // namespace shoal
