#include "bench/spawn_driver.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <optional>
#include <unordered_map>
#include <vector>

extern char** environ;

namespace shoal::bench {
namespace {

std::string reply_error(const json& reply) {
  if (auto e = reply.find("error"); e != reply.end() && e->is_object())
    return e->value("code", "?") + ": " + e->value("message", "");
  return reply.dump();
}

}  // namespace

status run_spawns(cli::connection& conn, const spawn_plan& plan, samples& out,
                  samples* start_phase) {
  struct slot {
    std::string name;
    bench_clock::time_point started;
    bool joining = false;
  };
  std::vector<slot> slots(static_cast<std::size_t>(std::min(plan.inflight, plan.count)));
  std::unordered_map<std::int64_t, std::size_t> pending;  // request id -> slot
  long launched = 0, done = 0;

  auto send = [&](std::size_t i, json request) -> status {
    auto id = conn.send(std::move(request));
    if (!id) return id.error();
    pending[id->get<std::int64_t>()] = i;
    return {};
  };
  auto launch = [&](std::size_t i) -> status {
    slot& s = slots[i];
    s.name =
        plan.prefix + "-" + std::to_string(plan.unique_names ? launched : static_cast<long>(i));
    s.started = bench_clock::now();
    s.joining = false;
    ++launched;
    return send(i, json{{"op", "start"}, {"name", s.name}, {"argv", json::array({plan.program})}});
  };

  auto wall = bench_clock::now();
  for (std::size_t i = 0; i < slots.size(); ++i)
    if (auto st = launch(i); !st) return st;
  while (done < plan.count) {
    auto reply = conn.receive();
    if (!reply) return reply.error();
    auto id = reply->find("id");
    if (id == reply->end() || !id->is_number_integer() || !pending.count(id->get<std::int64_t>()))
      return status{errc::internal, "shoald answered an id that was never sent: " + reply->dump()};
    std::size_t i = pending[id->get<std::int64_t>()];
    pending.erase(id->get<std::int64_t>());
    slot& s = slots[i];
    if (!reply->value("ok", false))
      return status{errc::internal, std::string("unable to ") + (s.joining ? "join " : "start ") +
                                        s.name + ": " + reply_error(*reply)};
    if (!s.joining) {
      if (start_phase) start_phase->add(elapsed_ns(s.started));
      s.joining = true;
      if (auto st = send(i, json{{"op", "join"}, {"name", s.name}}); !st) return st;
      continue;
    }
    const json& record = (*reply)["result"];
    if (record.value("exitcode", json()) != json(0))
      return status{errc::internal, "process " + s.name + " did not exit 0: " + record.dump()};
    out.add(elapsed_ns(s.started));
    ++done;
    if (launched < plan.count)
      if (auto st = launch(i); !st) return st;
  }
  out.add_wall(elapsed_ns(wall));
  return {};
}

// posix_spawn attributes and file actions as shoald's spawner sets them (daemon/spawner.cpp).
class clean_child_setup {
 public:
  clean_child_setup() {
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_init(&actions_);
    sigset_t empty_mask, all_signals;
    sigemptyset(&empty_mask);
    sigfillset(&all_signals);
    posix_spawnattr_setsigmask(&attr_, &empty_mask);
    posix_spawnattr_setsigdefault(&attr_, &all_signals);
    posix_spawnattr_setpgroup(&attr_, 0);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                         POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK);
    posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions_, 1, "/dev/null", O_WRONLY | O_APPEND, 0);
    posix_spawn_file_actions_addopen(&actions_, 2, "/dev/null", O_WRONLY | O_APPEND, 0);
    posix_spawn_file_actions_addchdir_np(&actions_, "/");
    posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
  }
  ~clean_child_setup() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  clean_child_setup(const clean_child_setup&) = delete;
  clean_child_setup& operator=(const clean_child_setup&) = delete;
  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

status run_local_spawns(const spawn_plan& plan, samples& out, int daemon_pid, int& daemon_wstatus,
                        samples* start_phase) {
  std::unordered_map<pid_t, bench_clock::time_point> running;
  char* argv[] = {const_cast<char*>(plan.program.c_str()), nullptr};
  std::optional<clean_child_setup> clean;
  if (plan.clean_child) clean.emplace();
  long launched = 0, done = 0;
  auto launch = [&]() -> status {
    pid_t pid;
    auto started = bench_clock::now();
    int rc = posix_spawn(&pid, plan.program.c_str(), clean ? clean->actions() : nullptr,
                         clean ? clean->attr() : nullptr, argv, environ);
    if (rc != 0) return status::from_errno(errc::internal, "unable to spawn " + plan.program, rc);
    if (start_phase) start_phase->add(elapsed_ns(started));
    running[pid] = started;
    ++launched;
    return {};
  };

  auto wall = bench_clock::now();
  while (launched < plan.count && static_cast<long>(running.size()) < plan.inflight)
    if (auto st = launch(); !st) return st;
  while (done < plan.count) {
    int wstatus = 0;
    pid_t pid = ::waitpid(-1, &wstatus, 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0)
      return status::from_errno(errc::internal, "unable to wait for " + plan.program, errno);
    if (pid == daemon_pid) {
      daemon_wstatus = wstatus;
      return status{errc::internal, "shoald ended during the baseline run"};
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;  // not ours to measure (cannot happen: no other children)
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
      return status{errc::internal,
                    plan.program + " did not exit 0 (wait status " + std::to_string(wstatus) + ")"};
    out.add(elapsed_ns(it->second));
    running.erase(it);
    ++done;
    if (launched < plan.count)
      if (auto st = launch(); !st) return st;
  }
  out.add_wall(elapsed_ns(wall));
  return {};
}

}  // namespace shoal::bench
