#include "daemon/spawner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "daemon/descriptor_limit.hpp"
#include "daemon/process_spec.hpp"

namespace shoal {

namespace {

// posix_spawn's attribute and file-action objects, destroyed however spawn() returns.
struct spawn_setup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  spawn_setup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

result<spawned_child> posix_spawner::spawn(const spawn_request& request) {
  if (auto st = check_argv(request.argv); !st) return st;
  const std::string& program = request.argv[0];

  // The child's chdir failing would be reported with the same errno as a missing program;
  // checking first lets the error say which of the two is wrong.
  if (!request.cwd.empty()) {
    struct stat st {};
    if (::stat(request.cwd.c_str(), &st) != 0)
      return status::from_errno(errc::spawn_failed, "cwd " + quoted(request.cwd), errno);
    if (!S_ISDIR(st.st_mode))
      return status::from_errno(errc::spawn_failed, "cwd " + quoted(request.cwd), ENOTDIR);
  }

  spawn_setup s;
  sigset_t empty_mask, all_signals;
  sigemptyset(&empty_mask);
  // Not sigfillset: glibc's leaves out its internal signals 32 and 33, and its posix_spawn
  // then sets them to SIG_IGN in the child. A Go, musl or Rust program may use them, so
  // every bit goes in, and the child starts with no signal ignored at all.
  std::memset(&all_signals, 0xff, sizeof all_signals);
  posix_spawnattr_setsigmask(&s.attr, &empty_mask);
  posix_spawnattr_setsigdefault(&s.attr, &all_signals);
  posix_spawnattr_setpgroup(&s.attr, 0);
  posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK);

  posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
  for (auto [fd, target] : {std::pair{request.stdout_fd, 1}, std::pair{request.stderr_fd, 2}}) {
    if (fd >= 0)
      posix_spawn_file_actions_adddup2(&s.actions, fd, target);
    else
      posix_spawn_file_actions_addopen(&s.actions, target, "/dev/null", O_WRONLY, 0);
  }
  if (!request.cwd.empty()) posix_spawn_file_actions_addchdir_np(&s.actions, request.cwd.c_str());
  // Every descriptor of the daemon is close-on-exec already; this makes it true by
  // construction, whatever a library opened without O_CLOEXEC.
  posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);

  std::vector<char*> argv;
  argv.reserve(request.argv.size() + 1);
  for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(request.env.size() + 1);
  for (const auto& e : request.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  bool search_path = program.find('/') == std::string::npos;
  int rc = 0;
  {
    // Lowered no longer than the spawn: the pidfd below may need a descriptor past it.
    started_descriptor_limit_scope child_limit;
    rc = search_path
             ? ::posix_spawnp(&pid, program.c_str(), &s.actions, &s.attr, argv.data(), envp.data())
             : ::posix_spawn(&pid, program.c_str(), &s.actions, &s.attr, argv.data(), envp.data());
  }
  if (rc != 0) return status::from_errno(errc::spawn_failed, program, rc);

  // Nothing reaps before the event loop runs again, so the pid still names our child here.
  unique_fd pidfd(pidfd_open(pid));
  if (!pidfd) {
    int err = errno;
    ::kill(pid, SIGKILL);
    int ignored = 0;
    ::waitpid(pid, &ignored, 0);
    return status::from_errno(errc::spawn_failed, "pidfd_open", err);
  }
  return spawned_child{pid, std::move(pidfd)};
}

}  // namespace shoal
