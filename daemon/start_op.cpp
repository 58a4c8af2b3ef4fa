// The `start` op: the request's fields checked into a process_spec, who it runs as, and the
// supervisor's refusals said in the protocol's words.
#include <unistd.h>

#include "common/log_limits.hpp"
#include "daemon/fields.hpp"
#include "daemon/ownership.hpp"
#include "daemon/process_json.hpp"
#include "daemon/process_op_handlers.hpp"
#include "daemon/process_ops.hpp"
#include "daemon/run_as.hpp"

namespace shoal {
namespace {

// Decides who the process `p` runs as (ownership.hpp) and sets it up to: argv behind setpriv,
// the account's environment. Also keeps a peer that is not root from taking over a name that
// is not its own: a declared program's, or an exited record of another user.
status choose_identity(const supervisor& s, const std::optional<std::string>& given,
                       process_spec& p, const std::optional<std::string>& user,
                       const std::optional<std::string>& group, const peer& from) {
  auto identity = choose_start_identity(from.uid, ::geteuid(), user || group);
  if (!identity) return identity.error();
  const std::string name = given.value_or("");
  const process_spec* declared = given ? s.declared(name) : nullptr;
  if (p.argv.empty()) {
    // A declared program runs as its programs file says, whoever starts it.
    if (*identity == start_identity::requested)
      return {errc::bad_request,
              "fields 'user' and 'group' need 'argv': a declared program runs as its programs file "
              "says"};
    if (!declared) return {};  // the supervisor answers that no program has this name
    if (auto st = check_owner(from.uid, "start", name, declared->uid.value_or(::geteuid())); !st)
      return st;
    return {};
  }
  if (from.uid != 0) {
    if (declared)
      return {errc::permission_denied, "unable to start '" + name +
                                           "': the programs file declares that name, and only root "
                                           "may run something else under it; start it without a "
                                           "command, or choose another name"};
    if (const process_record* old = given ? s.find(name) : nullptr)
      if (auto st = check_owner(from.uid, "replace", name, old->uid); !st) return st;
  }
  run_as credentials;
  switch (*identity) {
    case start_identity::daemon:
      return {};
    case start_identity::peer:
      credentials = run_as::peer(from.uid, from.gid);
      break;
    case start_identity::requested: {
      auto requested = resolve_run_as(user, group);
      if (!requested) return requested.error();
      credentials = *requested;
      break;
    }
  }
  std::optional<account> target;
  if (credentials.uid) {
    auto found = find_account(*credentials.uid);
    // setpriv could not give it any groups; nothing would run.
    if (!found)
      return {errc::permission_denied,
              "unable to start a process as uid " + std::to_string(*credentials.uid) + ": " +
                  found.error().message() + "; shoald needs one to know its groups and home"};
    target = std::move(*found);
  }
  // setpriv runs as root: what the request set reaches it under other names (run_as.hpp).
  auto carried = carry_environment(std::move(p.env));
  if (!carried) return carried.error();
  p.env = std::move(carried->env);
  if (target) p.env = with_account_environment(std::move(p.env), *target);
  p.exec_argv = credentials.wrap(p.argv, p.cwd, carried->names);
  p.uid = credentials.uid;
  p.gid = credentials.gid;
  return {};
}

}  // namespace

void handle_start(supervisor& s, const json& body, const responder& reply) {
  auto name = optional_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto argv = optional_string_array(body, "argv");
  if (!argv) return reply.fail(argv.error());
  // Without argv, `name` must be a declared program (docs/programs.md); the supervisor knows.
  if (!argv->empty() || !*name)
    if (auto st = check_argv(*argv); !st) return reply.fail(st);
  auto cwd = optional_string(body, "cwd");
  if (!cwd) return reply.fail(cwd.error());
  if (*cwd && !cwd->value().empty() && cwd->value()[0] != '/')
    return reply.fail(errc::bad_request, "field 'cwd' must be an absolute path");
  process_spec p;
  p.argv = std::move(*argv);
  p.cwd = cwd->value_or("");
  if (auto env = body.find("env"); env != body.end() && !env->is_null()) {
    if (!env->is_object())
      return reply.fail(errc::bad_request, "field 'env' must be an object of strings");
    for (const auto& [k, v] : env->items()) {
      if (!v.is_string())
        return reply.fail(errc::bad_request,
                          "field 'env' must be an object of strings ('" + k + "' is not)");
      p.env.emplace_back(k, v.get<std::string>());
    }
  }
  auto restart = optional_string(body, "restart");
  if (!restart) return reply.fail(restart.error());
  if (*restart) {
    auto mode = parse_restart_mode(**restart);
    if (!mode)
      return reply.fail(errc::bad_request,
                        "field 'restart' must be \"no\", \"on-failure\" or \"always\"");
    p.restart.mode = *mode;
  }
  auto restart_max = optional_integer(body, "restart_max");
  if (!restart_max) return reply.fail(restart_max.error());
  if (*restart_max) {
    if (**restart_max < 0 || **restart_max > 1000000)
      return reply.fail(errc::out_of_range, "field 'restart_max' must be between 0 and 1000000");
    p.restart.max_restarts = static_cast<int>(**restart_max);
  }
  auto restart_window = optional_seconds(body, "restart_window");
  if (!restart_window) return reply.fail(restart_window.error());
  if (*restart_window) {
    if (**restart_window <= 0)
      return reply.fail(errc::out_of_range, "field 'restart_window' must be more than 0 seconds");
    p.restart.window_seconds = **restart_window;
  }
  auto log_max_bytes = optional_integer(body, "log_max_bytes");
  if (!log_max_bytes) return reply.fail(log_max_bytes.error());
  if (*log_max_bytes) {
    if (**log_max_bytes < 0 || !valid_log_max_bytes(static_cast<std::uint64_t>(**log_max_bytes)))
      return reply.fail(errc::out_of_range,
                        "field 'log_max_bytes' must be " + std::string(log_max_bytes_rule));
    p.log_max_bytes = static_cast<std::uint64_t>(**log_max_bytes);
  }
  auto log_backups = optional_integer(body, "log_backups");
  if (!log_backups) return reply.fail(log_backups.error());
  if (*log_backups) {
    if (!valid_log_backups(**log_backups))
      return reply.fail(errc::out_of_range,
                        "field 'log_backups' must be " + std::string(log_backups_rule));
    p.log_backups = static_cast<int>(**log_backups);
  }
  auto logs = optional_bool(body, "logs");
  if (!logs) return reply.fail(logs.error());
  if (*logs) {
    p.logs = **logs;
    if (!p.logs && (p.log_max_bytes || p.log_backups))
      return reply.fail(errc::bad_request, std::string(no_logs_conflict));
  }
  auto user = optional_string(body, "user");
  if (!user) return reply.fail(user.error());
  auto group = optional_string(body, "group");
  if (!group) return reply.fail(group.error());
  if (auto st = choose_identity(s, *name, p, *user, *group, reply.from()); !st)
    return reply.fail(st);
  auto started = s.start(*name, std::move(p));
  if (!started) return reply.fail(start_refusal(started.error()));
  reply.ok_text(record_json_text(**started));
}

status start_refusal(const start_error& e) {
  using refused = start_error::kind;
  switch (e.what) {
    case refused::shutting_down:
      return {errc::invalid_state, "the daemon is shutting down"};
    case refused::bad_argv:
      return check_argv({});
    case refused::bad_cwd:
      return {errc::bad_request, "field 'cwd' must not contain NUL bytes"};
    case refused::bad_env:
      return env_refusal(e.detail);
    case refused::already_running:
      return {errc::already_exists, "a process named '" + e.name + "' is already running (pid " +
                                        std::to_string(e.pid) + ")"};
    case refused::waiting_to_restart:
      return {errc::already_exists,
              "a process named '" + e.name + "' is waiting to restart; stop it first"};
    case refused::no_output:
      return e.cause;
    case refused::no_pipes:
      return {errc::spawn_failed, "unable to start '" + e.name + "': " + e.cause.message()};
    case refused::spawn_failed:
      return {e.cause.code(), "unable to spawn '" + e.name + "': " + e.cause.message()};
  }
  return {errc::internal, "unable to start '" + e.name + "'"};
}

}  // namespace shoal
