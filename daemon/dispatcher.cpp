#include "daemon/dispatcher.hpp"

#include <exception>

#include "daemon/log.hpp"

namespace shoal {

responder::responder(json id, peer from, send_fn send, std::size_t max_reply_bytes,
                     const std::function<void()>* before_answer)
    : state_(std::make_shared<state>(
          state{std::move(id), from, std::move(send), max_reply_bytes, false, before_answer})) {}

void responder::send(json reply) const {
  if (state_->before_answer && *state_->before_answer) (*state_->before_answer)();
  state_->send(std::move(reply));
}

void responder::ok(json result) const {
  if (state_->answered) return;
  state_->answered = true;
  send(make_ok_reply(state_->id, std::move(result)));
}

void responder::ok_text(std::string result_text) const {
  if (state_->answered) return;
  state_->answered = true;
  send(make_ok_reply_text(state_->id, std::move(result_text)));
}

void responder::fail(const status& error) const {
  if (state_->answered) return;
  state_->answered = true;
  send(make_error_reply(state_->id, error));
}

void responder::stream(json event) const {
  state_->send(json{{"id", state_->id}, {"event", std::move(event)}});
}

status oversized_reply(std::size_t max_reply_bytes, std::size_t bytes) {
  std::string size = bytes ? std::to_string(bytes) + " bytes" : "more";
  return {errc::too_large,
          "the reply would take " + size + ", more than the " + std::to_string(max_reply_bytes) +
              " bytes shoald keeps for all its clients together (--max-queued-bytes); what "
              "the request asked was done, only its reply is withheld: read a large array "
              "one index at a time, or raise --max-queued-bytes"};
}

void dispatcher::add(std::string op, handler fn) { handlers_[std::move(op)] = std::move(fn); }

void dispatcher::on_session_closed(session_closed_hook hook) {
  close_hooks_.push_back(std::move(hook));
}

void dispatcher::dispatch(std::string_view line, const peer& from, const responder::send_fn& send) {
  json id;
  auto parsed = parse_request(line, id);
  if (!parsed) {
    send(make_error_reply(id, parsed.error()));
    return;
  }
  responder reply(parsed->id, from, send, max_reply_bytes_, &before_answer_);
  auto it = handlers_.find(parsed->op);
  if (it == handlers_.end()) {
    reply.fail(errc::unknown_op, "unknown op '" + parsed->op + "'; see docs/protocol.md");
    return;
  }
  try {
    it->second(parsed->body, reply);
  } catch (const json::exception& e) {
    // A handler read a field with the wrong type; the request, not the daemon, is at fault.
    reply.fail(errc::bad_request,
               std::string("malformed '") + parsed->op + "' request: " + e.what());
  } catch (const std::exception& e) {
    log::error("op '{}' failed: {}", parsed->op, e.what());
    reply.fail(errc::internal, std::string("internal error in '") + parsed->op + "': " + e.what());
  }
}

void dispatcher::session_closed(std::uint64_t session) {
  for (auto& hook : close_hooks_) hook(session);
}

}  // namespace shoal
