#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <asio/io_context.hpp>

#include "common/unique_fd.hpp"
#include "daemon/log_sink.hpp"

using namespace shoal;
using namespace std::chrono_literals;

namespace {

struct small_pipe {
  unique_fd read_end, write_end;
  small_pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read_end = unique_fd(fds[0]);
    write_end = unique_fd(fds[1]);
    ::fcntl(write_end.get(), F_SETPIPE_SZ, 4096);
  }
  // Everything the pipe holds now, without waiting.
  std::string drain() {
    std::string out;
    ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(read_end.get(), buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
};

std::string notice(std::uint64_t dropped) { return "dropped " + std::to_string(dropped) + "\n"; }

std::string numbered(int i) {
  return "line " + std::to_string(i) + " " + std::string(90, 'x') + "\n";
}

}  // namespace

TEST_CASE(
    "a sink on a pipe nobody reads never blocks, queues a bounded amount and counts the rest") {
  small_pipe p;
  log::sink sink(p.write_end.get(), notice, 1024);
  auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) sink.write(numbered(i));
  CHECK(std::chrono::steady_clock::now() - began < 5s);
  CHECK(sink.queued_bytes() <= 1024);
  CHECK(sink.dropped() > 0);
  std::uint64_t dropped = sink.dropped();

  // Once the reader catches up, the queued lines come first, then the notice, then new lines.
  std::string first = p.drain();
  sink.write("after\n");
  std::string rest = p.drain();
  std::string all = first + rest;
  CHECK(all.find("line 0 ") == 0);
  auto at = all.find("dropped " + std::to_string(dropped) + "\n");
  REQUIRE(at != std::string::npos);
  CHECK(all.substr(at) == "dropped " + std::to_string(dropped) + "\nafter\n");
  CHECK(sink.dropped() == 0);
  // Every line that went out is whole and in order.
  int last = -1;
  std::size_t pos = 0;
  while (all.compare(pos, 5, "line ") == 0) {
    auto end = all.find('\n', pos);
    REQUIRE(end != std::string::npos);
    int n = std::stoi(all.substr(pos + 5));
    CHECK(n == last + 1);
    CHECK(all.substr(pos, end + 1 - pos) == numbered(n));
    last = n;
    pos = end + 1;
  }
  CHECK(last >= 0);
}

TEST_CASE("an attached sink writes its queue from the loop once the pipe is drained") {
  small_pipe p;
  asio::io_context io;
  log::sink sink(p.write_end.get(), notice, 1 << 20);
  sink.attach(io);
  for (int i = 0; i < 100; ++i) sink.write(numbered(i));
  CHECK(sink.queued_bytes() > 0);
  CHECK(sink.dropped() == 0);
  std::string got;
  for (int round = 0; round < 1000 && sink.queued_bytes() > 0; ++round) {
    got += p.drain();
    io.poll();
  }
  got += p.drain();
  CHECK(sink.queued_bytes() == 0);
  CHECK(got.find("line 99 ") != std::string::npos);
  CHECK(got.find("dropped") == std::string::npos);
  sink.detach(0ms);
  io.poll();
}

TEST_CASE("a sink whose reader is gone drops lines without failing") {
  small_pipe p;
  log::sink sink(p.write_end.get(), notice, 1024);
  p.read_end = unique_fd();
  auto old = ::signal(SIGPIPE, SIG_IGN);  // as the daemon does
  for (int i = 0; i < 10; ++i) sink.write(numbered(i));
  CHECK(sink.dropped() == 10);
  CHECK(sink.queued_bytes() == 0);
  ::signal(SIGPIPE, old);
}
