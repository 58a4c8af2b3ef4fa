// Joiners: 10, 100, 1,000 clients, each on its own connection, wait in `join` for one `sleep`;
// then one `kill` ends it. Measured: from the kill request to the last join reply, and the
// daemon's memory per waiting joiner.
#include <sys/resource.h>

#include <string>
#include <vector>

#include "bench/line_socket.hpp"
#include "bench/private_daemon.hpp"
#include "bench/request_batch.hpp"
#include "bench/scale_series.hpp"
#include "common/protocol.hpp"

namespace shoal::bench {
namespace {

// One connection per joiner, plus the daemon's own: lift the soft descriptor limit to the hard one.
void raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

status measure_fanout(private_daemon& daemon, line_socket& control, long joiners,
                      scale_table& table) {
  const std::string target = "joined";
  if (auto r =
          send_batch(control, {to_line(json{{"id", 1},
                                            {"op", "start"},
                                            {"name", target},
                                            {"argv", json::array({"/bin/sleep", "100000"})}})});
      !r)
    return r.error();
  auto rss_before = daemon.rss_bytes();
  if (!rss_before) return rss_before.error();
  std::vector<line_socket> socks;
  const std::string join_then_hello = to_line(json{{"id", 1}, {"op", "join"}, {"name", target}}) +
                                      to_line(json{{"id", 2}, {"op", "hello"}});
  for (long i = 0; i < joiners; ++i) {
    auto sock = line_socket::connect(daemon.socket_path());
    if (!sock) return sock.error();
    if (auto s = sock->write_all(join_then_hello); !s) return s;
    socks.push_back(std::move(*sock));
  }
  // A session handles its lines in order: the hello's reply proves the join before it waits.
  for (auto& sock : socks) {
    auto reply = sock.read_line();
    if (!reply) return reply.error();
    if (reply->find("\"id\":2,") == std::string::npos ||
        reply->find("\"ok\":true") == std::string::npos)
      return status{errc::internal, "a joiner got an answer before its process ended: " +
                                        std::string(reply->substr(0, 300))};
  }
  auto rss_waiting = daemon.rss_bytes();
  if (!rss_waiting) return rss_waiting.error();

  auto t0 = bench_clock::now();
  if (auto r = send_batch(control, {to_line(json{{"id", 2}, {"op", "kill"}, {"name", target}})});
      !r)
    return r.error();
  for (auto& sock : socks) {
    auto reply = sock.read_line();
    if (!reply) return reply.error();
    if (reply->find("\"id\":1,") == std::string::npos ||
        reply->find("\"ok\":true") == std::string::npos)
      return status{errc::internal,
                    "a joiner got no record: " + std::string(reply->substr(0, 300))};
  }
  double us = static_cast<double>(elapsed_ns(t0)) / 1000.0;
  std::string j = std::to_string(joiners);
  table.add("scale.join_fanout", joiners, us, "us",
            "kill of the joined process until all " + j + " join replies");
  table.add("scale.rss_per_joiner", joiners,
            static_cast<double>(*rss_waiting - *rss_before) / static_cast<double>(joiners), "bytes",
            "VmRSS growth per connected, waiting joiner");
  return {};
}

}  // namespace

status scale_joiners(const options& opts, scale_table& table) {
  raise_descriptor_limit();
  auto daemon = private_daemon::start(opts.text("shoald"));
  if (!daemon) return daemon.error();
  auto control = line_socket::connect(daemon->socket_path());
  if (!control) return control.error();
  for (long joiners : opts.numbers("joiners"))
    if (auto s = measure_fanout(*daemon, *control, joiners, table); !s) return s;
  return daemon->stop();
}

}  // namespace shoal::bench
