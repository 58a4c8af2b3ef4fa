// Spawn round trip: how far `start` + `join` through shoald is from posix_spawn + waitpid in
// the caller itself. Baseline and shoal runs alternate in rounds so that load from other
// processes on the machine falls on both alike.
#include <cstdio>

#include "bench/batch_start.hpp"
#include "bench/line_socket.hpp"
#include "bench/private_daemon.hpp"
#include "bench/report.hpp"
#include "bench/run_benchmark.hpp"
#include "bench/spawn_driver.hpp"

using namespace shoal;
using namespace shoal::bench;

namespace {

status run(const options& opts) {
  long count = opts.number("count"), inflight = opts.number("inflight");
  long rounds = std::min(opts.number("rounds"), count);
  auto daemon = private_daemon::start(opts.text("shoald"));
  if (!daemon) return daemon.error();
  auto conn = cli::connection::open(daemon->socket_path());
  if (!conn) return conn.error();

  auto batch_sock = line_socket::connect(daemon->socket_path());
  if (!batch_sock) return batch_sock.error();
  long batch = opts.number("batch");

  samples base_call, clean_call, start_reply, base_seq, base_clean, base_pipe, shoal_seq,
      shoal_pipe;
  samples base_batch, shoal_batch;
  int daemon_wstatus = -1;
  for (long r = 0; r < rounds; ++r) {
    long n = count / rounds + (r < count % rounds ? 1 : 0);
    spawn_plan seq, clean, pipe;
    seq.count = clean.count = pipe.count = n;
    clean.clean_child = true;
    pipe.inflight = inflight;
    status s = run_local_spawns(seq, base_seq, daemon->pid(), daemon_wstatus, &base_call);
    if (s) s = run_local_spawns(clean, base_clean, daemon->pid(), daemon_wstatus, &clean_call);
    if (s) s = run_spawns(*conn, seq, shoal_seq, &start_reply);
    if (s) s = run_local_spawns(pipe, base_pipe, daemon->pid(), daemon_wstatus);
    if (s) s = run_spawns(*conn, pipe, shoal_pipe);
    if (s) s = run_local_batch(batch, base_batch);
    if (s) s = run_batch_starts(*batch_sock, batch, shoal_batch);
    if (!s) {
      if (daemon_wstatus != -1) daemon->reaped(daemon_wstatus);
      return s;
    }
  }

  print_title("spawn round trip: /bin/true, " + std::to_string(count) + " ops per figure, " +
              std::to_string(rounds) + " alternating rounds");
  print_latency_header();
  print_latency("spawn.baseline", base_seq, 0, "posix_spawn + waitpid in this process");
  print_latency("spawn.clean_child", base_clean, base_clean.median_us() / base_seq.median_us(),
                "posix_spawn + waitpid with shoald's attributes and file actions (x baseline)");
  print_latency("spawn.sequential", shoal_seq, shoal_seq.median_us() / base_seq.median_us(),
                "start + join over one connection, one at a time (x median)");
  print_latency("spawn.baseline_call", base_call, 0, "posix_spawn alone, until it returns");
  print_latency("spawn.clean_call", clean_call, clean_call.median_us() / base_call.median_us(),
                "posix_spawn alone with shoald's attributes (x baseline_call)");
  print_latency("spawn.start_reply", start_reply, start_reply.median_us() / base_call.median_us(),
                "start alone, until its reply (x baseline_call)");
  std::string k = std::to_string(inflight);
  print_latency("spawn.baseline_pipelined", base_pipe, 0,
                "posix_spawn with " + k + " children alive, waitpid(-1)");
  print_latency("spawn.pipelined", shoal_pipe, shoal_pipe.amortized_us() / base_pipe.amortized_us(),
                "start + join, " + k + " in flight on one connection (x wall time per op)");
  std::string b = std::to_string(batch);
  print_latency("spawn.baseline_batch", base_batch, 0,
                b + " posix_spawns of sleep, until the last returns");
  print_latency("spawn.batch", shoal_batch, shoal_batch.median_us() / base_batch.median_us(),
                b + " starts of sleep in one write, until the last reply (x baseline_batch)");
  return daemon->stop();
}

}  // namespace

int main(int argc, char** argv) {
  return run_benchmark(
      argc, argv, {{"count", "2000"}, {"inflight", "8"}, {"rounds", "5"}, {"batch", "100"}}, run);
}
