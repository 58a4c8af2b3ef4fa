// Control-path latency: a `hello` round trip to shoald against the same bytes echoed by a
// trivial AF_UNIX server thread. Both sides use the same raw line socket, so the difference
// is the daemon's own work: wake-up, framing, JSON parse, dispatch, serialise, write.
#include <string>

#include "echo_server.hpp"
#include "line_socket.hpp"
#include "private_daemon.hpp"
#include "protocol.hpp"
#include "report.hpp"
#include "run_benchmark.hpp"

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
    if (i + 1 == n) last_reply = std::move(*reply);
  }
  out.add_wall(elapsed_ns(wall));
  return {};
}

status run(const options& opts) {
  long count = opts.number("count");
  long rounds = std::min(opts.number("rounds"), count);
  auto daemon = private_daemon::start(opts.text("shoald"));
  if (!daemon) return daemon.error();
  auto echo = echo_server::start(daemon->dir() + "/echo.sock");
  if (!echo) return echo.error();
  samples base, hello;
  {
    auto echo_conn = line_socket::connect(daemon->dir() + "/echo.sock");
    if (!echo_conn) return echo_conn.error();
    auto shoal_conn = line_socket::connect(daemon->socket_path());
    if (!shoal_conn) return shoal_conn.error();

    const std::string request = "{\"id\":1,\"op\":\"hello\"}\n";
    std::string echoed, answered;
    for (long r = 0; r < rounds; ++r) {
      long n = count / rounds + (r < count % rounds ? 1 : 0);
      if (auto s = time_round_trips(*echo_conn, request, n, base, echoed); !s) return s;
      if (auto s = time_round_trips(*shoal_conn, request, n, hello, answered); !s) return s;
    }
    // Checked after timing, so parsing is not part of either figure.
    if (echoed + "\n" != request) return status{errc::internal, "the echo server garbled: " + echoed};
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
  return daemon->stop();
}

}  // namespace

int main(int argc, char** argv) {
  return run_benchmark(argc, argv, {{"count", "20000"}, {"rounds", "5"}}, run);
}
