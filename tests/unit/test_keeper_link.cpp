// keeper_link against a keeper of each protocol version, played by a thread: what a daemon
// sends an older keeper that an upgrade left running (docs/restore.md) cannot be seen from the
// real binaries, which always speak the newest version.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <thread>
#include <vector>

#include "daemon/fd_passing.hpp"
#include "daemon/keeper_link.hpp"
#include "daemon/keeper_protocol.hpp"
#include "unit/temp_dir.hpp"

using namespace shoal;

namespace {

using shoal::testing::temp_dir;

// What the played keeper saw of the one spawn it was asked for.
struct seen_spawn {
  std::uint32_t flags = 0;
  std::vector<unique_fd> fds;
  std::string body;
};

bool is_dev_null(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
         minor(st.st_rdev) == 3;
}

// Listens on DIR/keeper.sock before keeper_link::open looks there, so the link attaches to it
// instead of starting a real keeper. Answers hello as a keeper of `version` holding no child,
// and the first spawn with pid 4242; returns when the link closes its end.
class played_keeper {
 public:
  played_keeper(const std::string& dir, std::uint32_t version) : version_(version) {
    listener_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    REQUIRE(listener_);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = dir + "/" + keeper_socket_name;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener_.get(), 1) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~played_keeper() {
    if (thread_.joinable()) thread_.join();
  }
  played_keeper(const played_keeper&) = delete;
  played_keeper& operator=(const played_keeper&) = delete;

  // Valid once the link has gone (the thread is joined).
  seen_spawn& spawn() {
    thread_.join();
    return spawn_;
  }
  // The flags of each signal_group asked for, likewise.
  const std::vector<std::uint32_t>& signals() {
    thread_.join();
    return signals_;
  }

 private:
  void serve() {
    unique_fd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) return;
    std::vector<char> buf(keeper_max_message + sizeof(keeper_header));
    for (;;) {
      std::vector<unique_fd> fds;
      ssize_t n = recv_packet(conn.get(), buf.data(), buf.size(), fds);
      if (n < static_cast<ssize_t>(sizeof(keeper_header))) return;
      keeper_header h{};
      std::memcpy(&h, buf.data(), sizeof h);
      if (h.op == keeper_op::hello) {
        keeper_header done{keeper_op::hello_done, ::getpid(), static_cast<std::int32_t>(version_)};
        send_packet(conn.get(), &done, sizeof done, nullptr, 0, nullptr, 0);
      } else if (h.op == keeper_op::spawn) {
        spawn_.flags = h.flags;
        spawn_.fds = std::move(fds);
        spawn_.body.assign(buf.data() + sizeof h, static_cast<std::size_t>(n) - sizeof h);
        keeper_header spawned{keeper_op::spawned, 4242, 0, 0, 12345};
        send_packet(conn.get(), &spawned, sizeof spawned, nullptr, 0, nullptr, 0);
      } else if (h.op == keeper_op::signal_group) {
        signals_.push_back(h.flags);
        // As a real keeper of its version does; the answer counts the signals asked for, so a
        // link that left an answer unread would return an older one.
        if (version_ < 4 || (h.flags & signal_unanswered) == 0) {
          keeper_header result{keeper_op::result, h.pid,
                               static_cast<std::int32_t>(signals_.size())};
          send_packet(conn.get(), &result, sizeof result, nullptr, 0, nullptr, 0);
        }
      }
    }
  }

  std::uint32_t version_;
  unique_fd listener_;
  std::thread thread_;
  seen_spawn spawn_;
  std::vector<std::uint32_t> signals_;
};

spawn_request without_output() {
  spawn_request r;
  r.name = "quiet";
  r.argv = {"/bin/true"};
  r.cwd = "/";
  r.env = {"PATH=/usr/bin:/bin"};
  return r;  // stdout_fd -1: started with --no-logs
}

// Spawns `request` through a link attached to a played keeper of `version`; returns what the
// keeper saw, after checking what the link answered.
seen_spawn spawn_through(std::uint32_t version, const spawn_request& request) {
  temp_dir dir;
  played_keeper keeper(dir.path, version);
  {
    asio::io_context io;
    auto link = keeper_link::open(io, dir.path, dir.path);
    REQUIRE(link);
    CHECK_FALSE((*link)->started_here());
    int ran = 0;
    auto child = (*link)->spawn(request, [&ran] { ++ran; });
    REQUIRE(child);
    CHECK(child->pid == 4242);
    CHECK(child->start_ticks == 12345);
    CHECK(ran == 1);
    (*link)->detach();
  }
  return std::move(keeper.spawn());
}

}  // namespace

TEST_CASE("a child without logs is spawned with no descriptor by a keeper of version 3") {
  seen_spawn seen = spawn_through(3, without_output());
  CHECK((seen.flags & spawn_without_output) != 0);
  CHECK(seen.fds.empty());
  CHECK(seen.body.rfind(std::string("quiet\0/\0/bin/true\0", 18), 0) == 0);
}

TEST_CASE("an older keeper gets /dev/null for each of the four descriptors it expects") {
  for (std::uint32_t version : {1u, 2u}) {
    CAPTURE(version);
    seen_spawn seen = spawn_through(version, without_output());
    CHECK((seen.flags & spawn_without_output) == 0);  // a flag it would not understand
    REQUIRE(seen.fds.size() == 4);
    for (const auto& fd : seen.fds) CHECK(is_dev_null(fd.get()));
    // The child's stdout and stderr: a write there must succeed and go nowhere.
    CHECK(::write(seen.fds[0].get(), "x", 1) == 1);
    CHECK(::write(seen.fds[1].get(), "x", 1) == 1);
    // The read ends it keeps for the logs: at their end at once, so it copies nothing.
    char c;
    CHECK(::read(seen.fds[2].get(), &c, 1) == 0);
    CHECK(::read(seen.fds[3].get(), &c, 1) == 0);
  }
}

TEST_CASE("a child with logs hands the keeper its two pipes' ends, whatever its version") {
  for (std::uint32_t version : {1u, 3u}) {
    CAPTURE(version);
    int out[2], err[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    unique_fd out_r(out[0]), out_w(out[1]), err_r(err[0]), err_w(err[1]);
    spawn_request r = without_output();
    r.stdout_fd = out_w.get();
    r.stderr_fd = err_w.get();
    r.stdout_read_fd = out_r.get();
    r.stderr_read_fd = err_r.get();
    seen_spawn seen = spawn_through(version, r);
    CHECK((seen.flags & spawn_without_output) == 0);
    REQUIRE(seen.fds.size() == 4);
    // The keeper's write end reaches the daemon's read end: the same pipe.
    REQUIRE(::write(seen.fds[0].get(), "o", 1) == 1);
    char c = 0;
    CHECK(::read(out_r.get(), &c, 1) == 1);
    CHECK(c == 'o');
  }
}

TEST_CASE("a stop's signal goes unanswered only to a keeper that knows not to answer") {
  for (std::uint32_t version : {3u, 4u}) {
    CAPTURE(version);
    temp_dir dir;
    played_keeper keeper(dir.path, version);
    {
      asio::io_context io;
      auto link = keeper_link::open(io, dir.path, dir.path);
      REQUIRE(link);
      (*link)->signal_group_unanswered(4242, SIGTERM);
      // The answered signal after it gets its own answer, whether or not the first had one.
      CHECK((*link)->signal_group(4242, SIGKILL) == 2);
      CHECK((*link)->alive());
      (*link)->detach();
    }
    const auto& flags = keeper.signals();
    REQUIRE(flags.size() == 2);
    CHECK(flags[0] == (version >= 4 ? signal_unanswered : 0u));
    CHECK(flags[1] == 0u);
  }
}
