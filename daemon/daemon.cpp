#include "daemon/daemon.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "common/paths.hpp"
#include "common/signals.hpp"
#include "daemon/descriptor_limit.hpp"
#include "daemon/log.hpp"
#include "daemon/log_sink.hpp"
#include "daemon/orphans.hpp"
#include "daemon/path_text.hpp"
#include "daemon/peer_access.hpp"
#include "daemon/private_directory.hpp"
#include "daemon/process_json.hpp"
#include "daemon/process_ops.hpp"
#include "daemon/program_ops.hpp"
#include "daemon/reaper.hpp"
#include "daemon/record_file.hpp"
#include "daemon/short_slice.hpp"
#include "daemon/signal_dispositions.hpp"
#include "daemon/socket_activation.hpp"
#include "daemon/watch_ops.hpp"

namespace shoal {

daemon::daemon(config cfg) : cfg_(std::move(cfg)), signals_(io_) {}

daemon::~daemon() { log::standard_error().detach(std::chrono::milliseconds(0)); }

status daemon::prepare() {
  // What the service manager passed in the environment is taken out of it before the first
  // spawn, so no child inherits NOTIFY_SOCKET or LISTEN_FDS.
  if (auto notifier = sd_notifier::from_environment(); notifier)
    notifier_ = std::move(*notifier);
  else
    log::warning("{}; not reporting readiness", notifier.error().message());
  auto handover = take_reexec_handover();
  if (!handover) return handover.error();
  handover_ = std::move(*handover);
  auto activated = take_activated_socket();
  if (!activated) return activated.error();
  // The instance (and so its segment and lock names) follows the socket actually served.
  if (activated->activated() && !activated->path.empty()) cfg_.socket_path = activated->path;
  auto policy = make_access_policy(::geteuid(), cfg_.allow_group);
  if (!policy) return policy.error();

  if (::geteuid() != 0) {
    std::string runtime = default_runtime_dir();
    if (cfg_.socket_path.rfind(runtime + "/", 0) == 0 ||
        cfg_.state_dir.rfind(runtime + "/", 0) == 0) {
      if (auto st = make_private_dir(runtime); !st) return st;
      if (auto st = check_owned_private(runtime); !st) return st;
    }
  }
  auto state = state_directory::open(cfg_.state_dir, true);
  if (!state) return state.error();
  // Held for the daemon's life: a second daemon, or --cleanup, on this directory would
  // otherwise adopt or delete the segment this one serves.
  if (auto locked = state->lock_instance(); !locked)
    return {locked.code(), "refusing to start: " + locked.message() +
                               "; stop it first or choose another --state-dir"};
  state_ = std::make_unique<state_directory>(std::move(*state));
  if (auto st = make_private_dir(parent_of(cfg_.socket_path)); !st) return st;
  // Orphaned grandchildren are reparented to us, so we reap them and none stays a zombie.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
    return status::from_errno(errc::internal, "unable to become a child subreaper", errno);
  // Every connection and every child costs descriptors; a soft limit of 1024 would cap them
  // too early. Children get the limit the daemon was started with (descriptor_limit.hpp).
  raise_descriptor_limit();
  request_short_slice();
  ignore_meaningless_signals();
  // Registered before the first spawn, so no child's exit can go unnoticed.
  signals_.add(SIGCHLD);
  for (int signo : shutdown_signals) signals_.add(signo);
  signals_.add(SIGHUP);         // re-read the programs file
  signals_.add(detach_signal);  // exit, leaving the children to the keeper

  logs_ = std::make_unique<process_logs>(io_, state_->logs_path(), cfg_.log_limits);
  if (!logs_->opened()) return logs_->opened();
  supervisor_options opts;
  opts.socket_path = cfg_.socket_path;
  opts.stop_grace_seconds = cfg_.stop_grace_seconds;
  opts.max_exited_records = cfg_.max_exited_records;
  supervisor_ = std::make_unique<supervisor>(host_, timers_, *logs_, opts);
  if (auto st = attach_keeper(); !st) return st;
  supervisor_->subscribe([this](const supervisor_event& e) {
    publish(events_, e);
    status_changed();
  });
  register_watch_ops(dispatcher_, events_);
  register_process_ops(dispatcher_, *supervisor_, timers_);
  register_daemon_ops();

  server_ = std::make_unique<server>(io_, dispatcher_, cfg_.max_queued_bytes);
  dispatcher_.set_max_reply_bytes(cfg_.max_queued_bytes);
  status listening = handover_ ? server_->adopt(handover_->listen_fd, cfg_.socket_path)
                     : activated->activated() ? server_->adopt(activated->fd, cfg_.socket_path)
                                              : server_->listen(cfg_.socket_path);
  if (!listening) return listening;
  if (handover_ && handover_->owns_path) server_->claim_path();
  if (activated->activated())
    log::info("serving the socket passed by the service manager ({})",
              activated->name.empty() ? "fd 3" : activated->name);
  server_->set_access_check([policy = std::move(*policy)](const peer_credentials& creds) -> status {
    access_decision decision = check_access(policy, creds);
    if (decision.allowed) return {};
    return {errc::permission_denied, decision.why};
  });
  // Shared state is opened under the instance lock (so an existing segment can only be a dead
  // daemon's) and before the first request is served.
  auto shared = shared_state::open(io_, cfg_, *state_);
  if (!shared) {
    server_->stop_accepting();
    return shared.error();
  }
  shared_ = std::move(*shared);
  for (auto& entry : shared_->child_env()) supervisor_->add_child_env(entry);
  shared_->register_ops(dispatcher_, &events_);
  restore_records();
  // Declared programs start last, so they get the shared state's environment; an invalid file
  // is fatal here, as the daemon has no earlier configuration to keep.
  if (!cfg_.programs_path.empty()) {
    programs_ = std::make_unique<program_table>(timers_, *supervisor_, cfg_.programs_path,
                                                ::geteuid() == 0);
    auto loaded = programs_->reload();
    if (!loaded) {
      server_->stop_accepting();
      shared_->discard_if_created();
      return loaded.error();
    }
    log::info("programs from '{}': {} declared", cfg_.programs_path, programs_->programs().size());
  }
  register_program_ops(dispatcher_, programs_.get());
  return {};
}

void daemon::wait_for_signals() {
  signals_.async_wait([this](const std::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGCHLD)
      reap_children(*supervisor_);
    else if (signo == SIGHUP)
      reload_programs();
    else if (signo == detach_signal)
      detach_and_exit();
    else
      begin_shutdown(signo);
    wait_for_signals();
  });
}

void daemon::reload_programs() {
  if (!programs_) {
    log::warning("SIGHUP received, but there is no programs file to re-read");
    return;
  }
  if (stopping_) return;
  auto applied = programs_->reload();
  if (!applied) {
    log::error("reload refused, keeping the programs in force: {}", applied.error().message());
    return;
  }
  log::info("SIGHUP: reloaded '{}': {}", programs_->path(), applied->dump());
}

void daemon::begin_shutdown(int signo) {
  if (stopping_) {
    supervisor_->shutdown(nullptr);  // second signal: kill what is left now
    return;
  }
  stopping_ = true;
  if (auto st = notifier_.stopping(); !st) log::warning("{}", st.message());
  log::info("{} received: stopping {} running process(es)", signal_name(signo),
            supervisor_->running_count());
  server_->stop_accepting();
  supervisor_->shutdown([this] {
    // Every child has ended and is reported: nothing is left for a next daemon to adopt.
    remove_record_file(state_->path());
    children_stopped_ = true;
    save_pending_ = false;
    restored_ = false;
    if (keeper_) keeper_->quit();
    server_->close_sessions();
    signals_.cancel();
    io_.stop();
  });
}

void daemon::detach_and_exit() {
  if (stopping_) return;
  stopping_ = true;
  if (keeper_)
    log::info("SIGUSR2 received: exiting and leaving {} running process(es) to the keeper (pid {})",
              supervisor_->running_count(), keeper_->pid());
  else
    log::warning(
        "SIGUSR2 received: exiting; shoald has no keeper, so its {} running process(es) go to "
        "init and the next daemon finds them lost",
        supervisor_->running_count());
  if (auto st = notifier_.stopping(); !st) log::warning("{}", st.message());
  server_->stop_accepting();
  save_now(true);
  if (keeper_) keeper_->detach();
  server_->close_sessions();
  signals_.cancel();
  io_.stop();
}

void daemon::wait_for_killed_orphans() {
  // Orphans a lost keeper left to the daemon were sent SIGKILL just now: a clean stop leaves
  // nothing behind, so they are reaped before the daemon exits. Bounded: one stuck in an
  // uninterruptible sleep goes to init.
  for (int round = 0; round < 200 && !living_children_of_self().empty(); ++round) {
    ::usleep(10000);
    reap_children(*supervisor_);
  }
}

// "3 running, 1 exited" for `systemctl status`, sent when it changes.
void daemon::report_status() {
  if (!notifier_.enabled() || stopping_) return;
  std::string text = std::to_string(supervisor_->running_count()) + " running, " +
                     std::to_string(supervisor_->exited_count()) + " exited";
  if (text == last_status_) return;
  last_status_ = text;
  if (auto st = notifier_.set_status(text); !st) log::warning("{}", st.message());
}

// The supervisor tells of every start, exit and removal (each of its events); the report waits for
// the end of the handler that made the change (an exit also evicts old records), and a burst of
// changes in one turn of the loop sends one. No timer: an idle daemon does not wake up for this.
void daemon::status_changed() {
  if (!notifier_.enabled() || status_pending_) return;
  status_pending_ = true;
  asio::post(io_, [this] {
    status_pending_ = false;
    report_status();
  });
}

int daemon::run() {
  // From the loop's first turn, what stderr cannot take at once is written when it can.
  log::standard_error().attach(io_);
  if (auto st = prepare(); !st) {
    log::error("{}", st.message());
    if (handover_)
      answer_handover(
          handover_->client_fd,
          make_error_reply(handover_->id, {st.code(), "the new shoald could not start: " +
                                                          st.message() + "; it has exited"}));
    // A keeper started for nothing goes; one that holds an earlier daemon's children stays.
    if (keeper_ && keeper_->started_here() && supervisor_ && supervisor_->running_count() == 0)
      keeper_->quit();
    else if (keeper_)
      keeper_->detach();
    log::standard_error().detach(final_log_patience_);
    return 1;
  }
  log::info("shoald {} listening on '{}' (pid {}, state in '{}')", SHOAL_VERSION, cfg_.socket_path,
            ::getpid(), cfg_.state_dir);
  server_->start_accepting();
  if (handover_) {
    log::info("re-executed in place: the children stay supervised");
    answer_handover(handover_->client_fd, make_ok_reply(handover_->id, describe()));
    handover_->client_fd = -1;
  }
  // Listening, with the shared segment ready: whoever the manager starts after us is served.
  if (auto st = notifier_.ready(); !st) log::warning("{}", st.message());
  report_status();
  wait_for_signals();
  io_.run();
  reap_children(*supervisor_);
  if (children_stopped_) wait_for_killed_orphans();
  log::info("stopped");
  log::standard_error().detach(final_log_patience_);
  return 0;
}

}  // namespace shoal
