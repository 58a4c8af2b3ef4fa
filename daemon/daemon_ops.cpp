// The daemon's own ops: `hello` (what the daemon is and serves) and `reexec` (the upgrade in
// place, reexec.hpp).
#include <unistd.h>

#include "daemon/daemon.hpp"
#include "daemon/log.hpp"
#include "daemon/log_sink.hpp"

namespace shoal {

void daemon::register_daemon_ops() {
  dispatcher_.add("hello", [this](const json&, const responder& reply) { reply.ok(describe()); });
  dispatcher_.add("reexec", [this](const json&, const responder& reply) { reexec(reply); });
}

json daemon::describe() const {
  json result = {{"protocol", protocol_version},
                 {"version", SHOAL_VERSION},
                 {"pid", ::getpid()},
                 {"socket", cfg_.socket_path},
                 {"state_dir", cfg_.state_dir},
                 {"keeper", keeper_ ? json(keeper_->pid()) : json(nullptr)}};
  if (shared_) result.update(shared_->describe());
  if (server_) {
    result["clients"] = server_->session_count();
    result["queued_bytes"] = server_->budget().held();
    result["max_queued_bytes"] = server_->budget().cap();
  }
  return result;
}

void daemon::reexec(const responder& reply) {
  const peer& from = reply.from();
  if (from.uid != 0 && from.uid != ::geteuid())
    return reply.fail(errc::permission_denied,
                      "unable to re-execute shoald: only root or its own user (uid " +
                          std::to_string(::geteuid()) + ") may; you are uid " +
                          std::to_string(from.uid));
  if (stopping_)
    return reply.fail(errc::invalid_state, "unable to re-execute shoald: it is shutting down");
  if (!keeper_ || !keeper_->alive())
    return reply.fail(errc::invalid_state,
                      "unable to re-execute shoald: the keeper that held its children has ended, "
                      "so a new image could not adopt them; restart shoald instead");
  if (cfg_.executable.empty())
    return reply.fail(errc::internal,
                      "unable to re-execute shoald: the path it was started from could not be "
                      "read from /proc/self/exe; restart it instead");
  // The common failures are told before anything is touched; execv() itself may still fail,
  // and is answered below.
  if (::access(cfg_.executable.c_str(), X_OK) != 0) {
    status why = status::from_errno(
        errc::spawn_failed,
        "unable to re-execute shoald: '" + cfg_.executable +
            "' cannot be executed (install the new binary at that path); shoald goes on running",
        errno);
    log::error("{}", why.message());
    return reply.fail(why);
  }
  int client = server_->session_fd(from.session);
  int listener = server_->listening_fd();
  if (client < 0 || listener < 0) return;  // the asker has gone, or the daemon stops accepting
  save_now(true);
  if (auto st = notifier_.send("RELOADING=1"); !st) log::warning("{}", st.message());
  log::info("re-executing '{}' in place (pid {}): {} running process(es) stay with the keeper",
            cfg_.executable, ::getpid(), supervisor_->running_count());
  // The new image finds the service manager where this one did.
  if (notifier_.enabled()) ::setenv("NOTIFY_SOCKET", notifier_.address().c_str(), 1);
  log::standard_error().detach(final_log_patience_);
  reexec_handover handover{listener, server_->owns_path(), client, reply.id()};
  status failed = reexec_self(cfg_.executable, cfg_.command_line, handover);
  ::unsetenv("NOTIFY_SOCKET");
  log::standard_error().attach(io_);
  if (auto st = notifier_.ready(); !st) log::warning("{}", st.message());
  std::string why = "unable to re-execute shoald: " + failed.message() + "; shoald " +
                    SHOAL_VERSION + " goes on running";
  log::error("{}", why);
  reply.fail(failed.code(), why);
}

}  // namespace shoal
