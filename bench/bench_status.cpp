// `status` with a full table: the daemon keeps up to 1,000 exited records, and a `status`
// without names serialises every one of them. Measured against `hello` on the same connection
// (the fixed cost of any round trip) and against `status` of one name in the same table.
#include <string>

#include "bench/json_floor.hpp"
#include "bench/line_socket.hpp"
#include "bench/private_daemon.hpp"
#include "bench/report.hpp"
#include "bench/run_benchmark.hpp"
#include "bench/spawn_driver.hpp"
#include "client/connection.hpp"
#include "common/protocol.hpp"

using namespace shoal;
using namespace shoal::bench;

namespace {

struct timed_request {
  explicit timed_request(std::string l) : line(std::move(l)) {}
  std::string line;
  samples figures;
  std::size_t reply_bytes = 0;
  std::string last_reply;
};

status time_requests(line_socket& sock, timed_request& req, long n) {
  auto wall = bench_clock::now();
  for (long i = 0; i < n; ++i) {
    auto t0 = bench_clock::now();
    auto reply = sock.round_trip(req.line);
    if (!reply) return reply.error();
    req.figures.add(elapsed_ns(t0));
    if (i + 1 == n) {
      req.reply_bytes = reply->size() + 1;
      req.last_reply = *reply;
    }
  }
  req.figures.add_wall(elapsed_ns(wall));
  return {};
}

// Runs each request n times, in alternating rounds, then checks the last replies.
status time_all(line_socket& sock, std::vector<timed_request*> reqs, long n, long rounds) {
  for (long r = 0; r < rounds; ++r)
    for (auto* req : reqs)
      if (auto s = time_requests(sock, *req, n / rounds + (r < n % rounds ? 1 : 0)); !s) return s;
  for (auto* req : reqs) {
    json reply = json::parse(req->last_reply, nullptr, false);
    if (reply.is_discarded() || !reply.value("ok", false))
      return status{errc::internal, "a request was refused: " + req->line + " -> " +
                                        req->last_reply.substr(0, 300)};
  }
  return {};
}

std::size_t process_count(const std::string& status_reply) {
  json reply = json::parse(status_reply, nullptr, false);
  if (reply.is_discarded()) return 0;
  return reply["result"]["processes"].size();
}

status run(const options& opts) {
  long count = opts.number("count"), records = opts.number("records");
  long rounds = std::min(opts.number("rounds"), count);
  auto daemon = private_daemon::start(opts.text("shoald"));
  if (!daemon) return daemon.error();
  auto sock = line_socket::connect(daemon->socket_path());
  if (!sock) return sock.error();

  timed_request hello("{\"id\":1,\"op\":\"hello\"}\n");
  timed_request empty("{\"id\":2,\"op\":\"status\"}\n");
  if (auto s = time_all(*sock, {&hello, &empty}, count, rounds); !s) return s;

  // Fill the table: `records` processes with names of their own, all exited and joined.
  auto conn = cli::connection::open(daemon->socket_path());
  if (!conn) return conn.error();
  samples fill;
  auto plan = unique_spawns(records, "rec");
  if (auto s = run_spawns(*conn, plan, fill); !s) return s;

  timed_request full("{\"id\":3,\"op\":\"status\"}\n");
  timed_request one("{\"id\":4,\"op\":\"status\",\"names\":[\"rec-" + std::to_string(records / 2) +
                    "\"]}\n");
  timed_request hello_full(hello.line);
  if (auto s = time_all(*sock, {&hello_full, &full, &one}, count, rounds); !s) return s;
  if (auto n = process_count(full.last_reply); n != static_cast<std::size_t>(records))
    return status{errc::internal, "status listed " + std::to_string(n) + " processes, not " +
                                      std::to_string(records) + " (a bounded table evicted some?)"};

  samples floor = json_floor(full.last_reply, count);

  print_title("status: " + std::to_string(count) + " requests per figure, table of " +
              std::to_string(records) + " exited records");
  print_latency_header();
  print_latency("status.hello", hello.figures, 0, "hello, empty table (the reference)");
  print_latency("status.empty", empty.figures,
                empty.figures.median_us() / hello.figures.median_us(),
                "status of an empty table (x hello)");
  print_latency("status.hello_full", hello_full.figures,
                hello_full.figures.median_us() / hello.figures.median_us(),
                "hello with the table full (x hello)");
  print_latency("status.one_of_full", one.figures,
                one.figures.median_us() / hello.figures.median_us(),
                "status of one name in the full table (x hello)");
  print_latency("status.json_floor", floor, 0,
                "copy + dump + free of the full reply in this process: the JSON library alone");
  print_latency("status.full", full.figures, full.figures.median_us() / floor.median_us(),
                "status of all " + std::to_string(records) + " records (x json_floor)");
  print_quantity_header();
  print_quantity("status.full_reply", static_cast<double>(full.reply_bytes), "bytes",
                 "one status reply with every record");
  print_quantity("status.full_per_record",
                 full.figures.median_us() * 1000.0 / static_cast<double>(records), "ns",
                 "median status time per record");
  return daemon->stop();
}

}  // namespace

int main(int argc, char** argv) {
  return run_benchmark(argc, argv, {{"count", "300"}, {"records", "1000"}, {"rounds", "3"}}, run);
}
