// Live children: the daemon holds 100, 1,000, 10,000 running `sleep`s, started in windows of
// 64 requests; at each size, `status` of everything, of one name, and the daemon's memory.
// The benchmark is the subreaper of anything the daemon leaves behind (subreaper.hpp).
#include <algorithm>
#include <string>
#include <vector>

#include "json_floor.hpp"
#include "private_daemon.hpp"
#include "process_slots.hpp"
#include "protocol.hpp"
#include "request_batch.hpp"
#include "scale_series.hpp"
#include "subreaper.hpp"

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

status measure_sizes(private_daemon& daemon, const std::vector<long>& sizes, long requests,
                     scale_table& table) {
  auto sock = line_socket::connect(daemon.socket_path());
  if (!sock) return sock.error();
  auto rss_empty = daemon.rss_bytes();
  if (!rss_empty) return rss_empty.error();
  long alive = 0;
  for (long size : sizes) {
    if (size <= alive) continue;
    if (auto why = lack_of_process_slots(size - alive); !why.empty()) {
      table.add_unavailable("scale.status_all", size, why);
      break;
    }
    std::vector<std::string> starts;
    for (long i = alive; i < size; ++i)
      starts.push_back(to_line(json{{"id", i}, {"op", "start"}, {"name", "live-" + std::to_string(i)},
                                    {"argv", json::array({"/bin/sleep", "100000"})}}));
    if (auto s = send_windowed(*sock, starts, 64); !s) return s;
    alive = size;

    // The whole table costs about 350 bytes a record: fewer requests at the larger sizes.
    long n = std::max(3L, std::min(requests, 200000 / size));
    samples all, one, hello;
    std::string reply;
    if (auto s = time_round_trips(*sock, to_line(json{{"id", 1}, {"op", "status"}}), n, all, &reply); !s)
      return s;
    if (auto running = running_count(reply); running != static_cast<std::size_t>(size))
      return status{errc::internal, "status listed " + std::to_string(running) +
                                        " running processes, not " + std::to_string(size)};
    samples floor = json_floor(reply, n);
    std::string one_line =
        to_line(json{{"id", 2}, {"op", "status"}, {"names", {"live-" + std::to_string(size / 2)}}});
    if (auto s = time_round_trips(*sock, one_line, requests, one); !s) return s;
    if (auto s = time_round_trips(*sock, to_line(json{{"id", 3}, {"op", "hello"}}), requests, hello); !s)
      return s;
    auto rss = daemon.rss_bytes();
    if (!rss) return rss.error();
    auto pss = daemon.pss_bytes();
    if (!pss) return pss.error();

    table.add("scale.status_all", size, all.median_us(), "us", "status of every live process (median)");
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
  }
  return {};
}

}  // namespace

status scale_live_children(const options& opts, scale_table& table) {
  if (!become_subreaper())
    return status{errc::internal,
                  "unable to become a child subreaper: leftovers could not be cleaned up"};
  auto daemon = private_daemon::start(opts.text("shoald"));
  if (!daemon) return daemon.error();
  status measured = measure_sizes(*daemon, opts.numbers("children"), opts.number("requests"), table);
  status stopped = daemon->stop();  // SIGTERM to every child's group, then reaps them
  auto left = end_leftovers({});
  if (!measured) return measured;
  if (!stopped) return stopped;
  if (!left.empty())
    return status{errc::internal, std::to_string(left.size()) +
                                      " children outlived their daemon and were killed by the benchmark"};
  return {};
}

}  // namespace shoal::bench
