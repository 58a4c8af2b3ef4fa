#include "private_daemon.hpp"

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
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "line_socket.hpp"
#include "protocol.hpp"

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
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  auto env = clean_environment();
  auto argp = pointers(argv);
  auto envp = pointers(env);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
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

std::string default_shoald_path() {
#ifdef SHOAL_BENCH_SHOALD
  return SHOAL_BENCH_SHOALD;
#else
  return "shoald";
#endif
}

result<private_daemon> private_daemon::start(const std::string& shoald_path) {
  private_daemon d;
  d.shoald_ = shoald_path;
  // Short: a Unix socket path must stay under 108 bytes.
  char tmpl[] = "/tmp/shoal-bench-XXXXXX";
  if (!::mkdtemp(tmpl))
    return status::from_errno(errc::internal, "unable to create a temp directory in /tmp", errno);
  d.dir_ = tmpl;
  d.socket_ = d.dir_ + "/s.sock";
  d.state_dir_ = d.dir_ + "/state";
  auto pid = spawn({d.shoald_, "--socket", d.socket_, "--state-dir", d.state_dir_,
                    "--stop-timeout", "2", "--log-level", "warning"},
                   d.dir_ + "/shoald.err");
  if (!pid) {
    d.stop();
    return pid.error();
  }
  d.pid_ = *pid;

  auto deadline = steady::now() + 10s;
  std::string why = "it did not answer";
  for (int attempt = 0; attempt < 5000 && steady::now() < deadline; ++attempt) {
    int wstatus = 0;
    if (::waitpid(d.pid_, &wstatus, WNOHANG) == d.pid_) {
      d.pid_ = -1;
      why = describe(wstatus) + " during start-up (see " + d.dir_ + "/shoald.err)";
      break;
    }
    auto conn = line_socket::connect(d.socket_);
    if (conn) {
      auto reply = conn->round_trip("{\"id\":0,\"op\":\"hello\"}\n");
      if (reply) {
        json hello = json::parse(*reply, nullptr, false);
        if (!hello.is_discarded() && hello.value("ok", false)) {
          const json& r = hello["result"];
          d.shm_ = r.value("shm", "");
          d.lock_ = r.value("lock", "");
          return d;
        }
        why = "hello was refused: " + *reply;
        break;
      }
    }
    std::this_thread::sleep_for(2ms);
  }
  std::string dir = d.dir_;
  d.stop();
  return status{errc::internal, "unable to start " + shoald_path + " in " + dir + ": " + why};
}

private_daemon::private_daemon(private_daemon&& other) noexcept
    : shoald_(std::move(other.shoald_)),
      dir_(std::exchange(other.dir_, {})),
      socket_(std::move(other.socket_)),
      state_dir_(std::move(other.state_dir_)),
      shm_(std::move(other.shm_)),
      lock_(std::move(other.lock_)),
      pid_(std::exchange(other.pid_, -1)),
      early_wstatus_(std::exchange(other.early_wstatus_, -1)) {}

private_daemon::~private_daemon() {
  auto s = stop();
  if (!s) std::fprintf(stderr, "shoal-bench: %s\n", s.message().c_str());
}

void private_daemon::reaped(int wstatus) {
  early_wstatus_ = wstatus;
  pid_ = -1;
}

status private_daemon::stop() {
  std::string problems;
  if (early_wstatus_ != -1) {
    problems += "shoald " + describe(early_wstatus_) + " before it was stopped; ";
    early_wstatus_ = -1;
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    auto wstatus = reap_within(pid_, 20s);
    if (!wstatus) {
      ::kill(pid_, SIGKILL);
      wstatus = reap_within(pid_, 5s);
      problems += "shoald (pid " + std::to_string(pid_) + ") ignored SIGTERM for 20 s; ";
    } else if (!WIFEXITED(*wstatus) || WEXITSTATUS(*wstatus) != 0) {
      problems += "shoald " + describe(*wstatus) + " on SIGTERM; ";
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::string log = dir_ + "/cleanup.err";
    auto cleaner = spawn({shoald_, "--socket", socket_, "--state-dir", state_dir_, "--cleanup"}, log);
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
    if (shm_entry_exists(shm_)) problems += "shared segment " + shm_ + " was left in /dev/shm; ";
    if (sem_entry_exists(lock_)) problems += "semaphore " + lock_ + " was left in /dev/shm; ";
    if (!problems.empty()) {
      std::ifstream in(dir_ + "/shoald.err");
      std::string text((std::istreambuf_iterator<char>(in)), {});
      if (!text.empty()) problems += "shoald said:\n" + text;
    }
    ::nftw(dir_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    dir_.clear();
  }
  if (problems.empty()) return {};
  return status{errc::internal, "unable to stop the private shoald cleanly: " + problems};
}

result<long> private_daemon::rss_bytes() const {
  std::string path = "/proc/" + std::to_string(pid_) + "/status";
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6) * 1024L;  // "N kB"
  }
  return status{errc::internal, "unable to read VmRSS from " + path};
}

}  // namespace shoal::bench
