#include "bench/private_daemon.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "bench/line_socket.hpp"
#include "common/protocol.hpp"

extern char** environ;

namespace shoal::bench {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// The daemon must not find another instance through the caller's environment.
std::vector<std::string> clean_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    if (entry.rfind("SHOAL_", 0) == 0 || entry.rfind("XDG_RUNTIME_DIR=", 0) == 0) continue;
    env.push_back(std::move(entry));
  }
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

result<pid_t> spawn(std::vector<std::string> argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // The benchmark blocks its quit signals (a thread waits for them) and ignores SIGPIPE; the
  // daemon must get its signals as usual.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty_mask, all_signals;
  sigemptyset(&empty_mask);
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&attr, &empty_mask);
  posix_spawnattr_setsigdefault(&attr, &all_signals);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  auto env = clean_environment();
  auto argp = pointers(argv);
  auto envp = pointers(env);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return status::from_errno(errc::internal, "unable to spawn " + argv[0], rc);
  return pid;
}

// Polls for the end of `pid` until `timeout` passes; the wait status, or nothing.
std::optional<int> reap_within(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = steady::now() + timeout;
  for (;;) {
    int wstatus = 0;
    pid_t r = ::waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) return wstatus;
    if (r < 0 && errno != EINTR) return 0;  // already reaped elsewhere: nothing left to wait for
    if (steady::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
}

std::string describe(int wstatus) {
  if (WIFEXITED(wstatus)) return "exited with " + std::to_string(WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) return std::string("killed by ") + strsignal(WTERMSIG(wstatus));
  return "ended with wait status " + std::to_string(wstatus);
}

int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
  ::remove(path);
  return 0;
}

bool shm_entry_exists(const std::string& name) {
  // POSIX shm "/x" lives at /dev/shm/x and a named semaphore "/x" at /dev/shm/sem.x (glibc).
  struct stat st;
  return !name.empty() && ::stat(("/dev/shm" + name).c_str(), &st) == 0;
}

bool sem_entry_exists(const std::string& name) {
  struct stat st;
  return !name.empty() && ::stat(("/dev/shm/sem." + name.substr(1)).c_str(), &st) == 0;
}

}  // namespace

struct private_daemon::instance {
  std::string shoald;
  std::string dir;
  std::string socket;
  std::string state_dir;
  std::string shm;  // from hello: checked for removal after --cleanup
  std::string lock;
  pid_t pid = -1;
  int early_wstatus = -1;  // set by reaped(): the daemon ended before stop()
  bool spawned = false;    // only a daemon that ran can have left a segment to clean up
};

namespace {

// Every instance not yet stopped. The mutex is held for a whole stop, so the main thread and
// a signal-handling thread never stop the same daemon at once.
std::mutex registry_mutex;
std::set<private_daemon::instance*> registry;

status stop_instance(private_daemon::instance& d, std::chrono::seconds patience = 20s);

}  // namespace

std::string default_shoald_path() {
#ifdef SHOAL_BENCH_SHOALD
  return SHOAL_BENCH_SHOALD;
#else
  return "shoald";
#endif
}

result<private_daemon> private_daemon::start(const std::string& shoald_path,
                                             const std::vector<std::string>& extra_args) {
  auto owned = std::make_unique<instance>();
  instance& d = *owned;
  d.shoald = shoald_path;
  // Short: a Unix socket path must stay under 108 bytes.
  char tmpl[] = "/tmp/shoal-bench-XXXXXX";
  if (!::mkdtemp(tmpl))
    return status::from_errno(errc::internal, "unable to create a temp directory in /tmp", errno);
  d.dir = tmpl;
  d.socket = d.dir + "/s.sock";
  d.state_dir = d.dir + "/state";
  {
    std::lock_guard<std::mutex> hold(registry_mutex);
    registry.insert(owned.get());
  }
  private_daemon handle(std::move(owned));
  std::vector<std::string> argv = {d.shoald,      "--socket",    d.socket,
                                   "--state-dir", d.state_dir,   "--stop-timeout",
                                   "2",           "--log-level", "warning"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto pid = spawn(std::move(argv), d.dir + "/shoald.err");
  if (!pid) return pid.error();  // the handle's destructor removes the directory
  d.pid = *pid;
  d.spawned = true;

  auto deadline = steady::now() + 10s;
  std::string why = "it did not answer";
  for (int attempt = 0; attempt < 5000 && steady::now() < deadline; ++attempt) {
    int wstatus = 0;
    if (::waitpid(d.pid, &wstatus, WNOHANG) == d.pid) {
      d.pid = -1;
      why = describe(wstatus) + " during start-up (see " + d.dir + "/shoald.err)";
      break;
    }
    auto conn = line_socket::connect(d.socket);
    if (conn) {
      auto reply = conn->round_trip("{\"id\":0,\"op\":\"hello\"}\n");
      if (reply) {
        json hello = json::parse(*reply, nullptr, false);
        if (!hello.is_discarded() && hello.value("ok", false)) {
          const json& r = hello["result"];
          d.shm = r.value("shm", "");
          d.lock = r.value("lock", "");
          return handle;
        }
        why = "hello was refused: " + std::string(*reply);
        break;
      }
    }
    std::this_thread::sleep_for(2ms);
  }
  std::string dir = d.dir;
  handle.stop();
  return status{errc::internal, "unable to start " + shoald_path + " in " + dir + ": " + why};
}

private_daemon::private_daemon(std::unique_ptr<instance> self) : self_(std::move(self)) {}

private_daemon::~private_daemon() {
  auto s = stop();
  if (!s) std::fprintf(stderr, "shoal-bench: %s\n", s.message().c_str());
}

pid_t private_daemon::pid() const { return self_->pid; }
const std::string& private_daemon::socket_path() const { return self_->socket; }
const std::string& private_daemon::dir() const { return self_->dir; }

void private_daemon::reaped(int wstatus) {
  std::lock_guard<std::mutex> hold(registry_mutex);
  self_->early_wstatus = wstatus;
  self_->pid = -1;
}

status private_daemon::stop(std::chrono::seconds patience) {
  if (!self_) return {};
  std::lock_guard<std::mutex> hold(registry_mutex);
  if (!registry.erase(self_.get())) return {};  // stop_all got there first
  return stop_instance(*self_, patience);
}

void private_daemon::stop_all() {
  std::lock_guard<std::mutex> hold(registry_mutex);
  for (instance* d : registry) {
    auto s = stop_instance(*d);
    if (!s) std::fprintf(stderr, "shoal-bench: %s\n", s.message().c_str());
  }
  registry.clear();
}

namespace {

status stop_instance(private_daemon::instance& d, std::chrono::seconds patience) {
  std::string problems;
  if (d.early_wstatus != -1) {
    problems += "shoald " + describe(d.early_wstatus) + " before it was stopped; ";
    d.early_wstatus = -1;
  }
  if (d.pid > 0) {
    ::kill(d.pid, SIGTERM);
    auto wstatus = reap_within(d.pid, patience);
    if (!wstatus) {
      ::kill(d.pid, SIGKILL);
      wstatus = reap_within(d.pid, 5s);
      problems += "shoald (pid " + std::to_string(d.pid) + ") ignored SIGTERM for " +
                  std::to_string(patience.count()) + " s; ";
    } else if (!WIFEXITED(*wstatus) || WEXITSTATUS(*wstatus) != 0) {
      problems += "shoald " + describe(*wstatus) + " on SIGTERM; ";
    }
    d.pid = -1;
  }
  if (!d.dir.empty() && d.spawned) {
    std::string log = d.dir + "/cleanup.err";
    auto cleaner =
        spawn({d.shoald, "--socket", d.socket, "--state-dir", d.state_dir, "--cleanup"}, log);
    if (!cleaner) {
      problems += cleaner.error().message() + "; ";
    } else {
      auto wstatus = reap_within(*cleaner, 10s);
      if (!wstatus) {
        ::kill(*cleaner, SIGKILL);
        reap_within(*cleaner, 5s);
        problems += "shoald --cleanup hung; ";
      } else if (!WIFEXITED(*wstatus) || WEXITSTATUS(*wstatus) != 0) {
        std::ifstream in(log);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        problems += "shoald --cleanup " + describe(*wstatus) + ": " + text + "; ";
      }
    }
    if (shm_entry_exists(d.shm)) problems += "shared segment " + d.shm + " was left in /dev/shm; ";
    if (sem_entry_exists(d.lock)) problems += "semaphore " + d.lock + " was left in /dev/shm; ";
    if (!problems.empty()) {
      std::ifstream in(d.dir + "/shoald.err");
      std::string text((std::istreambuf_iterator<char>(in)), {});
      if (!text.empty()) problems += "shoald said:\n" + text;
    }
  }
  if (!d.dir.empty()) {
    ::nftw(d.dir.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    d.dir.clear();
  }
  if (problems.empty()) return {};
  return status{errc::internal, "unable to stop the private shoald cleanly: " + problems};
}

}  // namespace

namespace {

// A "Name:   N kB" line of a /proc file, in bytes.
result<long> proc_kib_field(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) == 0) return std::atol(line.c_str() + name.size()) * 1024L;
  }
  return status{errc::internal, "unable to read " + name + " from " + path};
}

}  // namespace

result<long> private_daemon::rss_bytes() const {
  return proc_kib_field("/proc/" + std::to_string(self_->pid) + "/status", "VmRSS:");
}

result<long> private_daemon::pss_bytes() const {
  return proc_kib_field("/proc/" + std::to_string(self_->pid) + "/smaps_rollup", "Pss:");
}

}  // namespace shoal::bench
