// Live children: a fresh daemon for each size holds 100, 1,000, 10,000 running `sleep`s,
// started in windows of 64 requests (with `--logs no`, without logs: one descriptor in the
// daemon instead of five, and none in the keeper instead of two, docs/logging.md); at each size,
// `status` of everything (polled, and as a command run now and then meets it) and of one name, the
// daemon's memory, and how long its shutdown takes. The benchmark is the subreaper of anything
// a daemon leaves behind (subreaper.hpp).
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "bench/json_floor.hpp"
#include "bench/private_daemon.hpp"
#include "bench/process_slots.hpp"
#include "bench/request_batch.hpp"
#include "bench/scale_series.hpp"
#include "bench/subreaper.hpp"
#include "common/protocol.hpp"

namespace shoal::bench {
namespace {

std::size_t running_count(const std::string& status_reply) {
  json reply = json::parse(status_reply, nullptr, false);
  if (reply.is_discarded()) return 0;
  std::size_t n = 0;
  for (const auto& p : reply["result"]["processes"])
    if (p.value("state", "") == "running") ++n;
  return n;
}

// One daemon holding `size` children: the figures at that size, then the time its shutdown
// takes to stop them all (SIGTERM to each group, reaping) and exit.
status measure_size(const std::string& shoald, long size, long requests, bool logs,
                    scale_table& table) {
  auto daemon = private_daemon::start(shoald);
  if (!daemon) return daemon.error();
  auto sock = line_socket::connect(daemon->socket_path());
  if (!sock) return sock.error();
  auto rss_empty = daemon->rss_bytes();
  if (!rss_empty) return rss_empty.error();
  std::vector<std::string> starts;
  for (long i = 0; i < size; ++i) {
    json start = {{"id", i},
                  {"op", "start"},
                  {"name", "live-" + std::to_string(i)},
                  {"argv", json::array({"/bin/sleep", "100000"})}};
    if (!logs) start["logs"] = false;
    starts.push_back(to_line(start));
  }
  auto t0 = bench_clock::now();
  if (auto s = send_windowed(*sock, starts, 64); !s) return s;
  double start_s = static_cast<double>(elapsed_ns(t0)) / 1e9;

  // The whole table costs about 370 bytes a record: fewer requests at the larger sizes.
  long n = std::max(3L, std::min(requests, 200000 / size));
  samples all, cold, one, hello;
  std::string reply;
  const std::string status_line = to_line(json{{"id", 1}, {"op", "status"}});
  if (auto s = time_round_trips(*sock, status_line, n, all, &reply); !s) return s;
  // The same request as a command run now and then meets it: the daemon reads /proc again for
  // a process whose sample is over a second old (docs/protocol.md, `status`), so for each one.
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    if (auto s = time_round_trips(*sock, status_line, 1, cold); !s) return s;
  }
  if (auto running = running_count(reply); running != static_cast<std::size_t>(size))
    return status{errc::internal, "status listed " + std::to_string(running) +
                                      " running processes, not " + std::to_string(size)};
  samples floor = json_floor(reply, n);
  std::string one_line =
      to_line(json{{"id", 2}, {"op", "status"}, {"names", {"live-" + std::to_string(size / 2)}}});
  if (auto s = time_round_trips(*sock, one_line, requests, one); !s) return s;
  if (auto s = time_round_trips(*sock, to_line(json{{"id", 3}, {"op", "hello"}}), requests, hello);
      !s)
    return s;
  auto rss = daemon->rss_bytes();
  if (!rss) return rss.error();
  auto pss = daemon->pss_bytes();
  if (!pss) return pss.error();

  t0 = bench_clock::now();
  if (auto s = daemon->stop(std::chrono::seconds(600)); !s) return s;
  double stop_s = static_cast<double>(elapsed_ns(t0)) / 1e9;

  table.add("scale.start_live", size, static_cast<double>(size) / start_s, "1/s",
            "starts of sleep per second, 64 requests per write");
  table.add("scale.status_all", size, all.median_us(), "us",
            "status of every live process (median)");
  table.add("scale.status_all_cold", size, cold.median_us(), "us",
            "the same, each /proc sample over 1 s old (median of 3)");
  table.add("scale.status_json_floor", size, floor.median_us(), "us",
            "nlohmann/json alone: copy + dump + free of that reply");
  table.add("scale.status_x_json", size, all.median_us() / floor.median_us(), "x",
            "status_all / status_json_floor");
  table.add("scale.status_reply", size, static_cast<double>(reply.size() + 1) / 1024.0, "KiB",
            "one status reply");
  table.add("scale.status_one", size, one.median_us(), "us", "status of one name, median");
  table.add("scale.status_one_x_hello", size, one.median_us() / hello.median_us(), "x",
            "status_one / hello on the same connection");
  table.add("scale.children_rss", size, static_cast<double>(*rss) / 1024.0, "KiB", "shoald VmRSS");
  table.add("scale.children_pss", size, static_cast<double>(*pss) / 1024.0, "KiB", "shoald PSS");
  table.add("scale.rss_per_child", size,
            static_cast<double>(*rss - *rss_empty) / static_cast<double>(size), "bytes",
            "VmRSS growth per live child");
  table.add("scale.shutdown", size, stop_s, "s",
            "SIGTERM to shoald until it has stopped every child and exited");
  return {};
}

}  // namespace

status scale_live_children(const options& opts, scale_table& table) {
  if (!become_subreaper())
    return status{errc::internal,
                  "unable to become a child subreaper: leftovers could not be cleaned up"};
  for (long size : opts.numbers("children")) {
    if (auto why = lack_of_process_slots(size); !why.empty()) {
      table.add_unavailable("scale.status_all", size, why);
      break;
    }
    status measured = measure_size(opts.text("shoald"), size, opts.number("requests"),
                                   opts.text("logs") != "no", table);
    // Whatever happened, no child of this size may survive into the next.
    auto left = end_leftovers({});
    if (!measured) return measured;
    if (!left.empty())
      return status{errc::internal,
                    std::to_string(left.size()) +
                        " children outlived their daemon and were killed by the benchmark"};
  }
  return {};
}

}  // namespace shoal::bench
