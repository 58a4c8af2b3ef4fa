// The CLI's connection: ids, out-of-order replies, and failures that say what went wrong.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <thread>

#include "client/connection.hpp"
#include "unit/test_cli_fake_daemon.hpp"

using namespace shoal;
using namespace shoal::cli;
using shoal::test::fake_daemon;
using shoal::test::reply_line;

TEST_CASE("call matches replies by id; replies for other requests wait for receive") {
  fake_daemon daemon(fake_daemon::batch(2, [](const std::vector<json>& req) {
    // Answer the second request first, as a daemon does when the first one waits.
    return std::vector<std::string>{reply_line(req[1], {{"n", 2}}), reply_line(req[0], {{"n", 1}})};
  }));
  auto conn = connection::open(daemon.path());
  REQUIRE(conn.ok());
  auto first = conn->send({{"op", "join"}, {"name", "slow"}});
  REQUIRE(first.ok());
  auto second = conn->call({{"op", "status"}, {"id", "caller's own id is replaced"}});
  REQUIRE(second.ok());
  CHECK(second->at("result") == json{{"n", 2}});
  CHECK(second->at("id") != *first);
  auto held = conn->receive();
  REQUIRE(held.ok());
  CHECK(held->at("id") == *first);
  CHECK(held->at("result") == json{{"n", 1}});
  REQUIRE(daemon.requests().size() == 2);
  CHECK(daemon.requests()[0].at("op") == "join");
  CHECK(daemon.requests()[1].at("id").is_number_integer());
}

TEST_CASE("a daemon that hangs up before answering is a failure naming the socket") {
  fake_daemon daemon(
      fake_daemon::batch(1, [](const std::vector<json>&) { return std::vector<std::string>{}; }));
  auto conn = connection::open(daemon.path());
  REQUIRE(conn.ok());
  auto reply = conn->call({{"op", "hello"}});
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().message().find(daemon.path()) != std::string::npos);
  CHECK(reply.error().message().find("closed") != std::string::npos);
}

TEST_CASE("a reply that is not JSON is a failure, not a crash") {
  fake_daemon daemon(fake_daemon::batch(
      1, [](const std::vector<json>&) { return std::vector<std::string>{"this is not json\n"}; }));
  auto conn = connection::open(daemon.path());
  REQUIRE(conn.ok());
  auto reply = conn->call({{"op", "hello"}});
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().message().find("not a JSON object") != std::string::npos);
}

TEST_CASE("replies longer than a 1 MiB log chunk can become are refused") {
  fake_daemon daemon(fake_daemon::batch(1, [](const std::vector<json>&) {
    return std::vector<std::string>{std::string(max_reply_bytes + 10, 'x') + "\n"};
  }));
  auto conn = connection::open(daemon.path());
  REQUIRE(conn.ok());
  auto reply = conn->call({{"op", "hello"}});
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().message().find("longer than") != std::string::npos);
}

TEST_CASE("a large reply within the limit arrives whole") {
  std::string data(2 * max_line_bytes, 'y');
  fake_daemon daemon(fake_daemon::batch(1, [&](const std::vector<json>& req) {
    return std::vector<std::string>{reply_line(req[0], {{"data", data}})};
  }));
  auto conn = connection::open(daemon.path());
  REQUIRE(conn.ok());
  auto reply = conn->call({{"op", "logs"}, {"name", "x"}});
  REQUIRE(reply.ok());
  CHECK(reply->at("result").at("data").get<std::string>().size() == data.size());
}

TEST_CASE("no daemon: the failure names the socket, the errno text and how to start shoald") {
  const std::string path = "/tmp/shoal-cli-test-no-such-dir/s.sock";
  auto conn = connection::open(path);
  REQUIRE_FALSE(conn.ok());
  const auto& message = conn.error().message();
  CHECK(message.find(path) != std::string::npos);
  CHECK(message.find("No such file or directory") != std::string::npos);
  CHECK(message.find("shoald --socket " + path) != std::string::npos);

  auto too_long = connection::open("/tmp/" + std::string(200, 'z') + ".sock");
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().message().find("longer than") != std::string::npos);
}

TEST_CASE("a peer that has gone makes send fail with a status, not a SIGPIPE death") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  ::close(fds[1]);
  auto conn = connection::adopt(unique_fd(fds[0]), "pair");
  CHECK(conn.path() == "pair");
  auto id = conn.send({{"op", "hello"}});
  CHECK_FALSE(id.ok());
}

namespace {

// A socketpair whose far end has already written `lines` and closed, as a daemon that refused
// the connection before the client wrote anything.
connection hung_up_after(const std::vector<std::string>& lines) {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  for (const auto& line : lines)
    REQUIRE(::send(fds[1], line.data(), line.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(line.size()));
  ::close(fds[1]);
  return connection::adopt(unique_fd(fds[0]), "pair");
}

std::string refusal_line() {
  return to_line(
      make_error_reply(nullptr, status{errc::permission_denied, "uid 65534 is not root"}));
}

}  // namespace

TEST_CASE("a refusal already waiting is read even though the write failed with EPIPE") {
  auto conn = hung_up_after({refusal_line()});
  auto reply = conn.call({{"op", "hello"}});
  REQUIRE(reply.ok());
  CHECK(reply->at("ok") == false);
  CHECK(reply->at("error").at("code") == "permission_denied");
  CHECK(reply->at("error").at("message") == "uid 65534 is not root");
  // The refusal answers every later request on the connection too.
  auto again = conn.call({{"op", "status"}});
  REQUIRE(again.ok());
  CHECK(again->at("error").at("code") == "permission_denied");
}

TEST_CASE("a failed write with nothing waiting still says why it failed") {
  auto conn = hung_up_after({});
  auto reply = conn.call({{"op", "hello"}});
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().message().find("cannot send a request") != std::string::npos);
}

TEST_CASE("a refusal of the connection (id null) answers the request it came after") {
  fake_daemon daemon(fake_daemon::batch(
      1, [](const std::vector<json>&) { return std::vector<std::string>{refusal_line()}; }));
  auto conn = connection::open(daemon.path());
  REQUIRE(conn.ok());
  auto reply = conn->call({{"op", "hello"}});
  REQUIRE(reply.ok());
  CHECK(reply->at("error").at("code") == "permission_denied");
}
