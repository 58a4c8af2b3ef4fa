// The daemon's memory: VmRSS idle, with many idle clients connected, and with a table of
// exited records; PSS fresh and once idle again after the burst of processes that filled the
// table. Clients and records are measured on two separate daemons so that memory a first phase
// freed cannot hide what the second one costs.
#include <dirent.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

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

long open_fds(pid_t pid) {
  long n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

struct snapshot {
  long rss = 0;
  long pss = 0;
  long fds = 0;
};

result<snapshot> take(const private_daemon& d) {
  auto rss = d.rss_bytes();
  if (!rss) return rss.error();
  auto pss = d.pss_bytes();
  if (!pss) return pss.error();
  return snapshot{*rss, *pss, open_fds(d.pid())};
}

status run(const options& opts) {
  long clients = opts.number("clients"), records = opts.number("records");
  const std::string hello = "{\"id\":1,\"op\":\"hello\"}\n";

  snapshot idle, connected;
  {
    auto daemon = private_daemon::start(opts.text("shoald"));
    if (!daemon) return daemon.error();
    auto first = take(*daemon);
    if (!first) return first.error();
    idle = *first;
    std::vector<line_socket> socks;
    for (long i = 0; i < clients; ++i) {
      auto sock = line_socket::connect(daemon->socket_path());
      if (!sock) return sock.error();
      socks.push_back(std::move(*sock));
    }
    // A served hello on each proves the daemon accepted it and holds its session.
    for (auto& sock : socks) {
      auto reply = sock.round_trip(hello);
      if (!reply) return reply.error();
    }
    auto after = take(*daemon);
    if (!after) return after.error();
    connected = *after;
    if (auto s = daemon->stop(); !s) return s;
  }

  snapshot fresh, filled;
  {
    auto daemon = private_daemon::start(opts.text("shoald"));
    if (!daemon) return daemon.error();
    auto first = take(*daemon);
    if (!first) return first.error();
    fresh = *first;
    auto conn = cli::connection::open(daemon->socket_path());
    if (!conn) return conn.error();
    samples ignored;
    auto plan = unique_spawns(records, "rec");
    if (auto s = run_spawns(*conn, plan, ignored); !s) return s;
    // Idle again: whatever the daemon does to give memory back after a burst has had a
    // second to do it.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto after = take(*daemon);
    if (!after) return after.error();
    filled = *after;
    if (auto s = daemon->stop(); !s) return s;
  }

  auto kib = [](long bytes) { return static_cast<double>(bytes) / 1024.0; };
  print_title("memory: shoald VmRSS, " + std::to_string(clients) + " idle clients, " +
              std::to_string(records) + " exited records");
  print_quantity_header();
  print_quantity("memory.idle", kib(idle.rss), "KiB", "just started, one hello served");
  print_quantity("memory.clients", kib(connected.rss), "KiB",
                 std::to_string(clients) + " idle clients connected");
  print_quantity("memory.per_client",
                 static_cast<double>(connected.rss - idle.rss) / static_cast<double>(clients),
                 "bytes", "RSS growth per connected client");
  print_quantity("memory.fds_per_client",
                 static_cast<double>(connected.fds - idle.fds) / static_cast<double>(clients),
                 "fds", "descriptors per connected client");
  print_quantity("memory.records", kib(filled.rss), "KiB",
                 std::to_string(records) + " exited records (separate daemon)");
  print_quantity("memory.per_record",
                 static_cast<double>(filled.rss - fresh.rss) / static_cast<double>(records),
                 "bytes", "RSS growth per exited record");
  print_quantity("memory.pss_fresh", kib(fresh.pss), "KiB", "PSS, just started, one hello served");
  print_quantity("memory.pss_burst", kib(filled.pss), "KiB",
                 "PSS, idle 1 s after a burst of " + std::to_string(records) + " processes");
  print_quantity("memory.fds_per_record",
                 static_cast<double>(filled.fds - fresh.fds) / static_cast<double>(records), "fds",
                 "descriptors left per exited record (should be 0)");
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_benchmark(argc, argv, {{"clients", "200"}, {"records", "1000"}}, run);
}
