#include "bench/batch_start.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <string>
#include <vector>

#include "bench/request_batch.hpp"
#include "common/protocol.hpp"

extern char** environ;

namespace shoal::bench {
namespace {

const char* const sleep_path = "/bin/sleep";

}  // namespace

status run_local_batch(long count, samples& out) {
  char* argv[] = {const_cast<char*>(sleep_path), const_cast<char*>("100000"), nullptr};
  std::vector<pid_t> pids;
  pids.reserve(static_cast<std::size_t>(count));
  status failed;
  auto t0 = bench_clock::now();
  for (long i = 0; i < count; ++i) {
    pid_t pid;
    int rc = posix_spawn(&pid, sleep_path, nullptr, nullptr, argv, environ);
    if (rc != 0) {
      failed = status::from_errno(errc::internal, std::string("unable to spawn ") + sleep_path, rc);
      break;
    }
    pids.push_back(pid);
  }
  auto ns = elapsed_ns(t0);
  for (pid_t pid : pids) ::kill(pid, SIGKILL);
  for (pid_t pid : pids)
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  if (!failed) return failed;
  out.add(ns);
  out.add_wall(ns);
  return {};
}

status run_batch_starts(line_socket& sock, long count, samples& out) {
  std::vector<std::string> starts, stops;
  for (long i = 0; i < count; ++i) {
    std::string name = "batch-" + std::to_string(i);
    starts.push_back(to_line(json{{"id", i},
                                  {"op", "start"},
                                  {"name", name},
                                  {"argv", json::array({sleep_path, "100000"})}}));
    stops.push_back(to_line(json{{"id", i}, {"op", "stop"}, {"name", name}}));
  }
  auto t0 = bench_clock::now();
  auto started = send_batch(sock, starts);
  auto ns = elapsed_ns(t0);
  // Stopped whatever happened: a refused start leaves the others running.
  auto stopped = send_batch(sock, stops);
  if (!started) return started.error();
  if (!stopped) return stopped.error();
  out.add(ns);
  out.add_wall(ns);
  return {};
}

}  // namespace shoal::bench
