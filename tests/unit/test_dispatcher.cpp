#include <doctest/doctest.h>

#include <vector>

#include "daemon/dispatcher.hpp"

using namespace shoal;

namespace {

struct capture {
  std::vector<json> replies;
  responder::send_fn fn() {
    return [this](const json& r) { replies.push_back(r); };
  }
};

}  // namespace

TEST_CASE("dispatcher routes by op and answers every failure as a reply") {
  dispatcher d;
  d.add("echo", [](const json& body, const responder& reply) { reply.ok(body.at("x")); });
  d.add("typed",
        [](const json& body, const responder& reply) { reply.ok(body.at("n").get<int>() + 1); });
  capture c;
  peer p{1, 0, 0, 0};

  d.dispatch(R"({"id":1,"op":"echo","x":5})", p, c.fn());
  d.dispatch(R"({"id":2,"op":"nope"})", p, c.fn());
  d.dispatch(R"({"id":3,"op":"typed","n":"str"})", p, c.fn());
  d.dispatch("garbage", p, c.fn());
  REQUIRE(c.replies.size() == 4);
  CHECK(c.replies[0]["result"] == 5);
  CHECK(c.replies[1]["error"]["code"] == "unknown_op");
  CHECK(c.replies[2]["error"]["code"] == "bad_request");
  CHECK(c.replies[2]["id"] == 3);
  CHECK(c.replies[3]["error"]["code"] == "bad_request");
}

TEST_CASE("a responder answers once, later answers are dropped") {
  dispatcher d;
  std::vector<responder> kept;
  d.add("later", [&](const json&, const responder& reply) { kept.push_back(reply); });
  capture c;
  d.dispatch(R"({"id":"a","op":"later"})", peer{7, 0, 0, 0}, c.fn());
  CHECK(c.replies.empty());
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].from().session == 7);
  kept[0].ok(1);
  kept[0].fail(errc::internal, "too late");
  REQUIRE(c.replies.size() == 1);
  CHECK(c.replies[0]["id"] == "a");
  CHECK(c.replies[0]["ok"] == true);
}

TEST_CASE("session close hooks run for the closed session") {
  dispatcher d;
  std::vector<std::uint64_t> closed;
  d.on_session_closed([&](std::uint64_t s) { closed.push_back(s); });
  d.session_closed(42);
  CHECK(closed == std::vector<std::uint64_t>{42});
}

TEST_CASE("a result written as text makes the same line as the same result built as json") {
  dispatcher d;
  d.set_max_reply_bytes(4096);
  std::size_t limit_seen = 0;
  d.add("text", [&](const json&, const responder& reply) {
    limit_seen = reply.max_reply_bytes();
    reply.ok_text(R"({"length":2,"name":"a","values":[1,-2.5]})");
  });
  capture c;
  d.dispatch(R"({"id":["x",1],"op":"text"})", peer{1, 0, 0, 0}, c.fn());
  REQUIRE(c.replies.size() == 1);
  CHECK(limit_seen == 4096);
  json built = make_ok_reply(json::array({"x", 1}),
                             json::parse(R"({"length":2,"name":"a","values":[1,-2.5]})"));
  CHECK(to_line(c.replies[0]) == to_line(built));
  json moved = c.replies[0];
  CHECK(to_line(std::move(moved)) == to_line(built));
  CHECK(json::parse(to_line(c.replies[0]))["result"]["values"][1] == -2.5);
}

TEST_CASE("an oversized reply is too_large and says the request was carried out") {
  status s = oversized_reply(1000, 5000);
  CHECK(s.code() == errc::too_large);
  CHECK(s.message().find("5000 bytes") != std::string::npos);
  CHECK(s.message().find("--max-queued-bytes") != std::string::npos);
  CHECK(s.message().find("was done") != std::string::npos);
}
