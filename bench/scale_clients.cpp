// Concurrent clients: 1, 8, 64 threads, each on its own connection, each running start + join
// of /bin/true one at a time under a name of its own, for one share of the same total.
#include <string>
#include <thread>
#include <vector>

#include "bench/line_socket.hpp"
#include "bench/private_daemon.hpp"
#include "bench/samples.hpp"
#include "bench/scale_series.hpp"
#include "common/protocol.hpp"

namespace shoal::bench {
namespace {

struct client_result {
  samples latency;
  status outcome;
};

void run_client(const std::string& socket, int index, long ops, client_result& out) {
  auto sock = line_socket::connect(socket);
  if (!sock) {
    out.outcome = sock.error();
    return;
  }
  std::string name = "client-" + std::to_string(index);
  std::string start = to_line(
      json{{"id", 1}, {"op", "start"}, {"name", name}, {"argv", json::array({"/bin/true"})}});
  std::string join = to_line(json{{"id", 2}, {"op", "join"}, {"name", name}});
  for (long i = 0; i < ops; ++i) {
    auto t0 = bench_clock::now();
    auto started = sock->round_trip(start);
    if (!started || started->find("\"ok\":true") == std::string::npos) {
      out.outcome =
          status{errc::internal, "unable to start " + name + ": " +
                                     (started ? std::string(*started) : started.error().message())};
      return;
    }
    auto joined = sock->round_trip(join);
    if (!joined || joined->find("\"exitcode\":0") == std::string::npos) {
      out.outcome =
          status{errc::internal, "unable to join " + name + ": " +
                                     (joined ? std::string(*joined) : joined.error().message())};
      return;
    }
    out.latency.add(elapsed_ns(t0));
  }
}

}  // namespace

status scale_concurrent_clients(const options& opts, scale_table& table) {
  auto daemon = private_daemon::start(opts.text("shoald"));
  if (!daemon) return daemon.error();
  long total = opts.number("starts");
  for (long clients : opts.numbers("clients")) {
    std::vector<client_result> results(static_cast<std::size_t>(clients));
    std::vector<std::thread> threads;
    long each = std::max(1L, total / clients);
    auto wall = bench_clock::now();
    for (long c = 0; c < clients; ++c)
      threads.emplace_back(run_client, daemon->socket_path(), static_cast<int>(c), each,
                           std::ref(results[static_cast<std::size_t>(c)]));
    for (auto& t : threads) t.join();
    double seconds = static_cast<double>(elapsed_ns(wall)) / 1e9;
    samples all;
    for (auto& r : results) {
      if (!r.outcome) return r.outcome;
      all.merge(r.latency);
    }
    double rate = static_cast<double>(each * clients) / seconds;
    std::string c = std::to_string(clients);
    table.add("scale.start_rate", clients, rate, "1/s",
              "start + join of /bin/true per second, " + c + " clients at once");
    table.add("scale.start_latency", clients, all.median_us(), "us",
              "one start + join, median, " + c + " clients at once");
  }
  return daemon->stop();
}

}  // namespace shoal::bench
