// Control-path latency: a `hello` round trip to shoald against the same bytes echoed by a
// trivial AF_UNIX server thread. Both sides use the same raw line socket, so the difference
// is the daemon's own work: wake-up, framing, JSON parse, dispatch, serialise, write.
//
// Then the same `hello` while a child of the daemon writes to its stdout as fast as it can
// (`yes`), which the daemon reads, writes and rotates: what a flood costs everyone else. The
// flood is paused (SIGSTOP) for the idle rounds and resumed (SIGCONT) for the flood rounds,
// so both figures come from alternating rounds under the same machine load.
#include <chrono>
#include <string>
#include <thread>

#include "bench/echo_server.hpp"
#include "bench/line_socket.hpp"
#include "bench/private_daemon.hpp"
#include "bench/report.hpp"
#include "bench/run_benchmark.hpp"
#include "common/protocol.hpp"

using namespace shoal;
using namespace shoal::bench;

namespace {

status time_round_trips(line_socket& sock, const std::string& line, long n, samples& out,
                        std::string& last_reply) {
  auto wall = bench_clock::now();
  for (long i = 0; i < n; ++i) {
    auto t0 = bench_clock::now();
    auto reply = sock.round_trip(line);
    if (!reply) return reply.error();
    out.add(elapsed_ns(t0));
    if (i + 1 == n) last_reply = *reply;
  }
  out.add_wall(elapsed_ns(wall));
  return {};
}

// One request on `sock`, answered ok; its result.
result<json> call(line_socket& sock, const json& request) {
  auto reply = sock.round_trip(to_line(request));
  if (!reply) return reply.error();
  json parsed = json::parse(*reply, nullptr, false);
  if (parsed.is_discarded() || !parsed.value("ok", false))
    return status{errc::internal,
                  "shoald refused " + request.dump() + ": " + std::string(reply->substr(0, 300))};
  return parsed["result"];
}

result<std::uint64_t> flood_written(line_socket& sock) {
  auto listed = call(sock, {{"op", "status"}, {"names", {"flood"}}});
  if (!listed) return listed.error();
  const json& logs = (*listed)["processes"][0]["logs"]["stdout"];
  if (!logs.contains("written_bytes")) return status{errc::internal, "status has no written_bytes"};
  return logs["written_bytes"].get<std::uint64_t>();
}

status run(const options& opts) {
  long count = opts.number("count");
  long rounds = std::min(opts.number("rounds"), count);
  auto daemon = private_daemon::start(opts.text("shoald"));
  if (!daemon) return daemon.error();
  auto echo = echo_server::start(daemon->dir() + "/echo.sock");
  if (!echo) return echo.error();
  samples base, hello, flooded;
  double flood_seconds = 0;
  std::uint64_t flood_bytes = 0;
  {
    auto echo_conn = line_socket::connect(daemon->dir() + "/echo.sock");
    if (!echo_conn) return echo_conn.error();
    auto shoal_conn = line_socket::connect(daemon->socket_path());
    if (!shoal_conn) return shoal_conn.error();

    auto control = line_socket::connect(daemon->socket_path());
    if (!control) return control.error();
    auto started =
        call(*control, {{"op", "start"},
                        {"name", "flood"},
                        {"cwd", "/"},
                        {"argv", {"/usr/bin/yes", "a line of a child that floods its output"}}});
    if (!started) return started.error();
    auto flood_signal = [&](const char* sig) {
      return call(*control, {{"op", "kill"}, {"name", "flood"}, {"signal", sig}});
    };

    const std::string request = "{\"id\":1,\"op\":\"hello\"}\n";
    std::string echoed, answered, answered_flooded;
    for (long r = 0; r < rounds; ++r) {
      long n = count / rounds + (r < count % rounds ? 1 : 0);
      if (auto s = flood_signal("STOP"); !s) return s.error();
      if (auto s = time_round_trips(*echo_conn, request, n, base, echoed); !s) return s;
      if (auto s = time_round_trips(*shoal_conn, request, n, hello, answered); !s) return s;
      if (auto s = flood_signal("CONT"); !s) return s.error();
      // Timed only once the resumed child is writing again.
      auto paused_at = flood_written(*control);
      if (!paused_at) return paused_at.error();
      result<std::uint64_t> before = *paused_at;
      for (int i = 0; i < 2000 && before && *before == *paused_at; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        before = flood_written(*control);
      }
      if (!before) return before.error();
      if (*before == *paused_at)
        return status{errc::internal, "the flooding child wrote nothing for 2 s"};
      auto t0 = bench_clock::now();
      if (auto s = time_round_trips(*shoal_conn, request, n, flooded, answered_flooded); !s)
        return s;
      flood_seconds += static_cast<double>(elapsed_ns(t0)) / 1e9;
      auto after = flood_written(*control);
      if (!after) return after.error();
      flood_bytes += *after - *before;
    }
    if (auto stopped = call(*control, {{"op", "stop"}, {"name", "flood"}, {"timeout", 5}});
        !stopped)
      return stopped.error();
    // Checked after timing, so parsing is not part of either figure.
    if (echoed + "\n" != request)
      return status{errc::internal, "the echo server garbled: " + echoed};
    json reply = json::parse(answered, nullptr, false);
    if (reply.is_discarded() || !reply.value("ok", false))
      return status{errc::internal, "hello was not answered ok: " + answered};
  }
  echo->reset();

  print_title("control path: " + std::to_string(count) + " round trips per figure, " +
              std::to_string(rounds) + " alternating rounds");
  print_latency_header();
  print_latency("control.baseline", base, 0, "AF_UNIX echo of the same line by a thread");
  print_latency("control.hello", hello, hello.median_us() / base.median_us(),
                "hello round trip to shoald (x median)");
  print_latency("control.hello_flood", flooded, flooded.median_us() / hello.median_us(),
                "hello while a child floods its stdout through shoald (x hello median)");
  print_latency("control.hello_flood_p99", flooded, flooded.p99_us() / hello.p99_us(),
                "the same, its p99 (x hello p99)");
  print_quantity_header();
  print_quantity("control.flood_rate", static_cast<double>(flood_bytes) / flood_seconds / (1 << 20),
                 "MiB/s", "what the flooding child wrote through shoald meanwhile");
  return daemon->stop();
}

}  // namespace

int main(int argc, char** argv) {
  return run_benchmark(argc, argv, {{"count", "20000"}, {"rounds", "5"}}, run);
}
