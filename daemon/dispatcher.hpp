// Routes one request line to the handler registered for its op. Knows nothing of sockets:
// a session hands it a line and a way to send a reply, and gets told nothing back.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/protocol.hpp"

namespace shoal {

// Who sent a request: the session it came on and the peer's credentials (SO_PEERCRED).
struct peer {
  std::uint64_t session = 0;
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The promise of one reply. Handlers answer at once or keep the responder (it is cheap to
// copy) and answer later, e.g. when a process is reaped. The first answer wins; later ones
// and answers to a session that has gone are dropped.
class responder {
 public:
  // Takes the reply by value, so a large result moves on to the socket without a copy.
  using send_fn = std::function<void(json reply)>;
  responder(json id, peer from, send_fn send, std::size_t max_reply_bytes = SIZE_MAX,
            const std::function<void()>* before_answer = nullptr);

  void ok(json result) const;
  // A result already written as JSON text (make_ok_reply_text), for results too large to
  // build as a json tree first.
  void ok_text(std::string result_text) const;
  void fail(const status& error) const;
  void fail(errc code, std::string message) const { fail(status{code, std::move(message)}); }
  // One more line for a request already answered ok ({"id", "event"}: watch). It does not
  // count as the answer, so any number may follow; dropped once the session has gone.
  void stream(json event) const;
  bool answered() const { return state_->answered; }
  const peer& from() const { return state_->from; }
  const json& id() const { return state_->id; }
  // The longest reply line the client can be sent (shoald --max-queued-bytes): a handler
  // writing a large result stops there and answers oversized_reply() instead.
  std::size_t max_reply_bytes() const { return state_->max_reply_bytes; }

 private:
  struct state {
    json id;
    peer from;
    send_fn send;
    std::size_t max_reply_bytes = SIZE_MAX;
    bool answered = false;
    const std::function<void()>* before_answer = nullptr;  // the dispatcher's; outlives it
  };
  void send(json reply) const;
  std::shared_ptr<state> state_;
};

// too_large, for a reply longer than `max_reply_bytes` (`bytes` long, when known). The
// request has been carried out by then; only its reply is withheld.
status oversized_reply(std::size_t max_reply_bytes, std::size_t bytes = 0);

using handler = std::function<void(const json& body, const responder& reply)>;
// Called when a session closes, so components drop what they keep for it (joiners, waiters).
using session_closed_hook = std::function<void(std::uint64_t session)>;

class dispatcher {
 public:
  void add(std::string op, handler fn);
  void on_session_closed(session_closed_hook hook);
  void set_max_reply_bytes(std::size_t bytes) { max_reply_bytes_ = bytes; }
  // Runs before any answer leaves: what a client was told has happened is on record by then
  // (the record file, docs/restore.md), even if the daemon dies the next instant.
  void set_before_answer(std::function<void()> fn) { before_answer_ = std::move(fn); }

  // Parses and routes one line; every failure becomes an error reply, never an exception.
  void dispatch(std::string_view line, const peer& from, const responder::send_fn& send);
  void session_closed(std::uint64_t session);

 private:
  std::unordered_map<std::string, handler> handlers_;
  std::vector<session_closed_hook> close_hooks_;
  std::size_t max_reply_bytes_ = SIZE_MAX;
  std::function<void()> before_answer_;
};

}  // namespace shoal
