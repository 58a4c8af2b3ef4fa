// Shared values: one locked increment three ways. The baseline is the bare critical section,
// sem_wait / ++ / sem_post on a private semaphore; the library (common/shoal/shared.hpp) adds
// the owner record that makes the lock recoverable; `value_add` goes through the daemon.
// Then the contended case: two processes incrementing one int32, through a bare semaphore and
// through the library. The final values prove that no increment was lost.
#include <fcntl.h>
#include <semaphore.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string>

#include "bench/contended_counter.hpp"
#include "bench/line_socket.hpp"
#include "bench/private_daemon.hpp"
#include "bench/report.hpp"
#include "bench/run_benchmark.hpp"
#include "common/protocol.hpp"
#include "shoal/shared.hpp"

using namespace shoal;
using namespace shoal::bench;

namespace {

double rate(long ops, std::int64_t ns) {
  return ns > 0 ? static_cast<double>(ops) * 1e9 / static_cast<double>(ns) : 0;
}

result<double> bare_semaphore(long ops) {
  std::string name = "/shoal-bench-" + std::to_string(::getpid());
  sem_t* sem = ::sem_open(name.c_str(), O_CREAT | O_EXCL, 0600, 1);
  if (sem == SEM_FAILED)
    return status::from_errno(errc::internal, "unable to create semaphore " + name, errno);
  ::sem_unlink(name.c_str());  // private from here on, and nothing left in /dev/shm
  std::int64_t counter = 0;
  auto t0 = bench_clock::now();
  for (long i = 0; i < ops; ++i) {
    while (::sem_wait(sem) != 0 && errno == EINTR) {
    }
    std::atomic_ref<std::int64_t> c(counter);
    c.store(c.load() + 1);
    ::sem_post(sem);
  }
  auto ns = elapsed_ns(t0);
  ::sem_close(sem);
  if (counter != ops)
    return status{errc::internal, "the bare counter ended at " + std::to_string(counter)};
  return rate(ops, ns);
}

// getpid() is a real system call in glibc (no cache since 2.25); the library's lock records
// the holder's pid on acquire and checks it on release, so this is its floor.
double getpid_rate(long ops) {
  volatile pid_t sink = 0;
  auto t0 = bench_clock::now();
  for (long i = 0; i < ops; ++i) sink = ::getpid();
  (void)sink;
  return rate(ops, elapsed_ns(t0));
}

result<double> library(const std::string& shm, const std::string& lock, const std::string& value,
                       long ops) {
  try {
    shared_memory mem(shm, lock);
    auto v = mem.value<std::int64_t>(value);
    auto t0 = bench_clock::now();
    for (long i = 0; i < ops; ++i) {
      lock_guard hold(mem.lock());
      v.store(v.load() + 1);
    }
    return rate(ops, elapsed_ns(t0));
  } catch (const shared_error& e) {
    return status{errc::internal,
                  std::string("unable to use the shared value library: ") + e.what()};
  }
}

result<json> call(line_socket& sock, const json& request) {
  auto reply = sock.round_trip(to_line(request));
  if (!reply) return reply.error();
  json r = json::parse(*reply, nullptr, false);
  if (r.is_discarded() || !r.value("ok", false))
    return status{errc::internal, "shoald refused " + request.dump() + ": " + std::string(*reply)};
  return r["result"];
}

// `ops` value_add requests, `window` written before their replies are read.
result<double> protocol_adds(line_socket& sock, const std::string& value, long ops, long window,
                             samples* each) {
  const std::string line =
      to_line(json{{"id", 1}, {"op", "value_add"}, {"name", value}, {"delta", 1}});
  auto t0 = bench_clock::now();
  for (long done = 0; done < ops;) {
    long batch = std::min(window, ops - done);
    std::string lines;
    for (long i = 0; i < batch; ++i) lines += line;
    auto start = bench_clock::now();
    if (auto s = sock.write_all(lines); !s) return s;
    for (long i = 0; i < batch; ++i) {
      auto reply = sock.read_line();
      if (!reply) return reply.error();
      if (reply->find("\"ok\":true") == std::string::npos)
        return status{errc::internal, "shoald refused value_add: " + std::string(*reply)};
    }
    if (each) each->add(elapsed_ns(start));
    done += batch;
  }
  auto ns = elapsed_ns(t0);
  if (each) each->add_wall(ns);
  return rate(ops, ns);
}

status run(const options& opts) {
  long ops = opts.number("ops"), requests = opts.number("requests"), window = opts.number("window");
  auto daemon = private_daemon::start(opts.text("shoald"));
  if (!daemon) return daemon.error();
  auto sock = line_socket::connect(daemon->socket_path());
  if (!sock) return sock.error();
  auto hello = call(*sock, json{{"id", 1}, {"op", "hello"}});
  if (!hello) return hello.error();
  const std::string value = "bench-counter";
  if (auto r =
          call(*sock, json{{"id", 2}, {"op", "value_create"}, {"name", value}, {"typecode", "q"}});
      !r)
    return r.error();

  auto base = bare_semaphore(ops);
  if (!base) return base.error();
  double pid_calls = getpid_rate(std::max(1L, ops / 4));
  auto lib = library(hello->value("shm", ""), hello->value("lock", ""), value, ops);
  if (!lib) return lib.error();
  samples sequential;
  auto proto = protocol_adds(*sock, value, requests, 1, &sequential);
  if (!proto) return proto.error();
  auto piped = protocol_adds(*sock, value, requests, window, nullptr);
  if (!piped) return piped.error();

  const std::string counter = "bench-contended";
  long contended = opts.number("contended");
  if (auto r = call(*sock,
                    json{{"id", 4}, {"op", "value_create"}, {"name", counter}, {"typecode", "i"}});
      !r)
    return r.error();
  auto floor2 = contended_semaphore(contended);
  if (!floor2) return floor2.error();
  auto lib2 =
      contended_library(hello->value("shm", ""), hello->value("lock", ""), counter, contended);
  if (!lib2) return lib2.error();
  auto counted = call(*sock, json{{"id", 5}, {"op", "value_get"}, {"name", counter}});
  if (!counted) return counted.error();
  if (counted->value("value", json()) != json(2 * contended))
    return status{errc::internal, "the contended shared counter ended at " +
                                      counted->value("value", json()).dump() + ", not " +
                                      std::to_string(2 * contended) + ": increments were lost"};

  auto got = call(*sock, json{{"id", 3}, {"op", "value_get"}, {"name", value}});
  if (!got) return got.error();
  long expected = ops + 2 * requests;
  if (got->value("value", json()) != json(expected))
    return status{errc::internal, "the shared counter ended at " +
                                      got->value("value", json()).dump() + ", not " +
                                      std::to_string(expected) + ": increments were lost"};

  print_title("shared values: locked increment of one int64 (" + std::to_string(ops) +
              " direct ops, " + std::to_string(requests) + " requests); contended: 2 x " +
              std::to_string(contended) + " increments of one int32");
  print_rate_header();
  print_rate("values.baseline", *base, 0, "sem_wait / ++ / sem_post, private semaphore");
  print_rate("values.library", *lib, *base / *lib,
             "shared.hpp lock_guard + load/store (x baseline)");
  print_rate("values.getpid", pid_calls, *base / pid_calls,
             "one getpid() system call, for reference (x baseline)");
  print_rate("values.protocol", *proto, *base / *proto,
             "value_add round trip, one at a time (x baseline)");
  print_rate("values.protocol_pipelined", *piped, *base / *piped,
             "value_add, " + std::to_string(window) + " per write (x baseline)");
  print_rate("values.contended_floor", *floor2, 0,
             "2 processes: sem_wait / ++ / sem_post, one shared semaphore");
  print_rate("values.contended_library", *lib2, *floor2 / *lib2,
             "2 processes: shared.hpp lock_guard + load/store of one int32 (x contended_floor)");
  print_latency_header();
  print_latency("values.protocol_latency", sequential, 0, "value_add round trip");
  return daemon->stop();
}

}  // namespace

int main(int argc, char** argv) {
  return run_benchmark(
      argc, argv,
      {{"ops", "2000000"}, {"requests", "20000"}, {"window", "64"}, {"contended", "500000"}}, run);
}
