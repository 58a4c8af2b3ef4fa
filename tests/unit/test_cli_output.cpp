#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <string>

#include "client/output.hpp"

using shoal::cli::output;

namespace {

// What the read end of a pipe holds now, without waiting.
std::string drain(int fd) {
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    got.append(buf, static_cast<std::size_t>(n));
  return got;
}

struct pipe_pair {
  int r = -1, w = -1;
  pipe_pair() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    r = fds[0];
    w = fds[1];
  }
  ~pipe_pair() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
};

}  // namespace

TEST_CASE("output writes text and numbers as a stream would") {
  output out;
  out << "pid " << 42 << ", " << std::string("name") << ' ' << std::int64_t{-7} << " "
      << std::numeric_limits<std::uint64_t>::max();
  CHECK(out.str() == "pid 42, name -7 18446744073709551615");
}

TEST_CASE("standard output to a pipe is written at flush and at the end, not line by line") {
  pipe_pair p;
  {
    output out(p.w, output::mode::buffered);
    out << "started bear (pid 1)\n";
    CHECK(drain(p.r).empty());
    out.flush();
    CHECK(drain(p.r) == "started bear (pid 1)\n");
    out << "last line\n";
  }
  CHECK(drain(p.r) == "last line\n");
}

TEST_CASE("standard error is written at once") {
  pipe_pair p;
  output err(p.w, output::mode::unbuffered);
  err << "shoal: ";
  CHECK(drain(p.r) == "shoal: ");
  err << "no process named 'wolf'\n";
  CHECK(drain(p.r) == "no process named 'wolf'\n");
}

TEST_CASE("standard output to a terminal is written at each line") {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  REQUIRE(slave >= 0);
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  {
    output out(slave, output::mode::buffered);
    out << "half";
    usleep(20000);
    CHECK(drain(master).empty());
    out << " a line\n";
    std::string got;
    for (int i = 0; i < 100 && got.find('\n') == std::string::npos; ++i) {
      usleep(10000);
      got += drain(master);
    }
    CHECK(got == "half a line\r\n");  // the terminal's own CR
  }
  ::close(slave);
  ::close(master);
}

TEST_CASE("a reader that went away costs the text, not the program") {
  pipe_pair p;
  ::close(p.r);
  p.r = -1;
  auto old = ::signal(SIGPIPE, SIG_IGN);
  {
    output out(p.w, output::mode::buffered);
    out << "nobody reads this\n";
    out.flush();
    // Dropped from then on: a `watch` whose reader left does not pile its events up.
    for (int i = 0; i < 1000; ++i) out << std::string(1000, 'x') << "\n";
    CHECK(out.str().size() < 64 * 1024);
    out.flush();
    CHECK(out.str().empty());
  }
  ::signal(SIGPIPE, old);
}
