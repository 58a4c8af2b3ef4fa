#include "daemon/daemon.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/paths.hpp"
#include "common/signals.hpp"
#include "daemon/descriptor_limit.hpp"
#include "daemon/log.hpp"
#include "daemon/log_sink.hpp"
#include "daemon/peer_access.hpp"
#include "daemon/process_json.hpp"
#include "daemon/process_ops.hpp"
#include "daemon/program_ops.hpp"
#include "daemon/reaper.hpp"
#include "daemon/record_file.hpp"
#include "daemon/short_slice.hpp"
#include "daemon/signal_dispositions.hpp"
#include "daemon/socket_activation.hpp"
#include "daemon/socket_listeners.hpp"
#include "daemon/watch_ops.hpp"

namespace shoal {
namespace {

// mkdir -p with 0700 for what we create; an existing directory is left as it is.
status make_private_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p(path);
  std::filesystem::path built;
  for (const auto& part : p) {
    built /= part;
    if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST)
      return status::from_errno(errc::internal,
                                "unable to create directory '" + built.string() + "'", errno);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return {errc::internal, "'" + path + "' is not a directory"};
  return {};
}

// The default runtime directory may sit in /tmp, where another user could have made it first
// to watch or replace our socket: use it only when it is ours and closed to others.
status check_owned_private(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return status::from_errno(errc::internal, "unable to inspect '" + path + "'", errno);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
    return {errc::internal, "'" + path + "' must be a directory owned by uid " +
                                std::to_string(::geteuid()) +
                                " with mode 0700; remove it or choose --socket and --state-dir"};
  return {};
}

// How long the last log lines may wait at exit for a stderr that is not taking them.
constexpr std::chrono::milliseconds final_log_patience(1000);

}  // namespace

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
  if (auto st = make_private_dir(std::filesystem::path(cfg_.socket_path).parent_path().string());
      !st)
    return st;
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
    save_pending_ = false;
    restored_ = false;
    if (keeper_) keeper_->quit();
    server_->close_sessions();
    signals_.cancel();
    io_.stop();
  });
}

status daemon::attach_keeper() {
  auto keeper = keeper_link::open(io_, state_->path(), state_->logs_path());
  if (!keeper) return keeper.error();
  keeper_ = std::move(*keeper);
  host_.use_keeper(keeper_.get());
  record_file_ = std::make_unique<record_file>(state_->path());
  supervisor_->set_on_change([this](const std::string& name) {
    changed_.insert(name);
    save_later();
  });
  dispatcher_.set_before_answer([this] {
    if (save_pending_) save_now();
  });
  return {};
}

void daemon::restore_records() {
  auto held = keeper_->take_entries();
  auto saved = read_record_file(state_->path());
  saved_table table;
  if (!saved) {
    std::string bad = state_->path() + "/" + record_file_name;
    log::error("{}; set aside as '{}.bad', starting without the records it held",
               saved.error().message(), bad);
    ::rename(bad.c_str(), (bad + ".bad").c_str());
  } else if (*saved && (*saved)->boot_id != current_boot_id()) {
    log::info("the record file is from another boot: none of its processes can still run");
  } else if (*saved) {
    table = std::move(**saved);
  }
  if (!table.processes.empty() || !held.empty())
    supervisor_->restore(std::move(table), std::move(held), keeper_->started_here(),
                         [this](pid_t pid) { keeper_->forget(pid); });
  restored_ = true;
  keeper_->on_exit([this](pid_t pid, int wait_status) { on_keeper_exit(pid, wait_status); });
  save_now(true);
}

void daemon::on_keeper_exit(pid_t pid, int wait_status) {
  if (!supervisor_->on_reaped(pid, wait_status)) {
    log::debug("reaped orphaned descendant (pid {})", pid);
    keeper_->forget(pid);
    return;
  }
  reaped_unsaved_.push_back(pid);
  save_later();
}

void daemon::save_later() {
  if (save_pending_ || !restored_) return;
  save_pending_ = true;
  asio::post(io_, [this] {
    if (!save_pending_) return;
    save_now();
  });
}

void daemon::save_now(bool whole) {
  save_pending_ = false;
  status st;
  if (whole || !record_file_->is_open() ||
      record_file_->appended() > 2 * supervisor_->record_count() + 64) {
    saved_table table = supervisor_->snapshot();
    table.boot_id = current_boot_id();
    st = record_file_->rewrite(table);
  } else {
    std::vector<saved_process> now;
    std::vector<std::string> removed;
    for (const auto& name : changed_) {
      if (auto p = supervisor_->snapshot_of(name))
        now.push_back(std::move(*p));
      else
        removed.push_back(name);
    }
    st = record_file_->append(now, removed, supervisor_->next_default());
  }
  changed_.clear();
  if (!st) {
    // Logged at each failure: each one may cost a restart its records.
    log::error("{}; a restarted daemon would not know the latest state of its processes",
               st.message());
    return;
  }
  for (pid_t pid : reaped_unsaved_) keeper_->forget(pid);
  reaped_unsaved_.clear();
}

void daemon::detach_and_exit() {
  if (stopping_) return;
  stopping_ = true;
  log::info("SIGUSR2 received: exiting and leaving {} running process(es) to the keeper (pid {})",
            supervisor_->running_count(), keeper_->pid());
  if (auto st = notifier_.stopping(); !st) log::warning("{}", st.message());
  server_->stop_accepting();
  save_now(true);
  keeper_->detach();
  server_->close_sessions();
  signals_.cancel();
  io_.stop();
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
  log::standard_error().detach(final_log_patience);
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

int run_cleanup(const config& cfg) {
  auto state = state_directory::open(cfg.state_dir, false);
  if (!state && state.error().code() != errc::not_found) {
    log::error("{}", state.error().message());
    return 1;
  }
  // Either test alone misses a case: the lock, a daemon serving another socket from this
  // directory; the socket, a daemon with another state directory, or a service manager that
  // holds the socket to start one on demand.
  if (state) {
    if (auto locked = state->lock_instance(); !locked) {
      log::error("refusing to clean up: {}; stop it first, its segment and lock are in use",
                 locked.message());
      return 1;
    }
  }
  if (someone_listens_on(cfg.socket_path)) {
    log::error(
        "refusing to clean up: '{}' is being served, by a live shoald or by a service "
        "manager that would start one; stop it first (systemctl stop shoald.socket shoald)",
        cfg.socket_path);
    return 1;
  }
  if (!state) {
    log::info("nothing to clean up: {}", state.error().message());
    return 0;
  }
  if (auto removed = shared_state::cleanup(*state); !removed) {
    log::error("{}", removed.message());
    return 1;
  }
  return 0;
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
    log::standard_error().detach(final_log_patience);
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
  log::info("stopped");
  log::standard_error().detach(final_log_patience);
  return 0;
}

}  // namespace shoal
