// Values: 10 to 10,000 int64 values in the segment, created in windows of 64 requests; at each
// size, `value_get` of the newest one (the last a scan of the entry table would reach).
#include <algorithm>
#include <string>
#include <vector>

#include "bench/line_socket.hpp"
#include "bench/private_daemon.hpp"
#include "bench/request_batch.hpp"
#include "bench/scale_series.hpp"
#include "common/protocol.hpp"

namespace shoal::bench {
namespace {

status measure_sizes(private_daemon& daemon, const std::vector<long>& sizes, long requests,
                     scale_table& table) {
  auto sock = line_socket::connect(daemon.socket_path());
  if (!sock) return sock.error();
  long created = 0;
  for (long size : sizes) {
    if (size <= created) continue;
    std::vector<std::string> creates;
    for (long i = created; i < size; ++i)
      creates.push_back(to_line(json{{"id", i},
                                     {"op", "value_create"},
                                     {"name", "v-" + std::to_string(i)},
                                     {"typecode", "q"},
                                     {"value", i}}));
    if (auto s = send_windowed(*sock, creates, 64); !s) {
      table.add_unavailable("scale.value_get", size, s.message());
      return {};
    }
    created = size;
    samples get, hello;
    std::string newest = "v-" + std::to_string(size - 1), reply;
    if (auto s =
            time_round_trips(*sock, to_line(json{{"id", 1}, {"op", "value_get"}, {"name", newest}}),
                             requests, get, &reply);
        !s)
      return s;
    if (json::parse(reply, nullptr, false)["result"].value("value", json()) != json(size - 1))
      return status{errc::internal, "value_get " + newest + " answered " + reply.substr(0, 300)};
    if (auto s =
            time_round_trips(*sock, to_line(json{{"id", 2}, {"op", "hello"}}), requests, hello);
        !s)
      return s;
    table.add("scale.value_get", size, get.median_us(), "us",
              "value_get of the newest value, median");
    table.add("scale.value_get_x_hello", size, get.median_us() / hello.median_us(), "x",
              "value_get / hello on the same connection");
  }
  return {};
}

}  // namespace

status scale_values(const options& opts, scale_table& table) {
  auto sizes = opts.numbers("values");
  long largest = *std::max_element(sizes.begin(), sizes.end());
  // Room for every value: a sixteenth of the segment is its entry table, 128 bytes a slot.
  long shm_size = std::max(1L << 20, largest * 16 * 128 * 2);
  auto daemon =
      private_daemon::start(opts.text("shoald"), {"--shm-size", std::to_string(shm_size)});
  if (!daemon) return daemon.error();
  if (auto s = measure_sizes(*daemon, sizes, opts.number("requests"), table); !s) return s;
  return daemon->stop();
}

}  // namespace shoal::bench
