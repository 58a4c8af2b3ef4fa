#include <doctest/doctest.h>

#include <string>

#include "common/names.hpp"
#include "common/protocol.hpp"
#include "common/signals.hpp"
#include "common/time_format.hpp"

using namespace shoal;

TEST_CASE("exceeds_depth counts nesting outside strings only") {
  CHECK_FALSE(exceeds_depth(R"({"a":[1,{"b":2}]})", 3));
  CHECK(exceeds_depth(R"({"a":[1,{"b":2}]})", 2));
  CHECK_FALSE(exceeds_depth(R"({"a":"[[[[[[[[[["})", 1));
  CHECK_FALSE(exceeds_depth(R"({"a":"\"[[[["})", 1));
  CHECK(exceeds_depth(std::string(65, '['), 64));
  CHECK_FALSE(exceeds_depth(std::string(64, '[') + std::string(64, ']'), 64));
  CHECK(exceeds_depth(std::string(100000, '['), 64));
}

TEST_CASE("parse_request recovers the id even when the request is refused") {
  json id;
  auto bad_op = parse_request(R"({"id": 9, "op": 3})", id);
  REQUIRE_FALSE(bad_op.ok());
  CHECK(bad_op.error().code() == errc::bad_request);
  CHECK(id == 9);

  auto ok = parse_request(R"({"id": "x", "op": "status"})", id);
  REQUIRE(ok.ok());
  CHECK(ok->op == "status");
  CHECK(ok->id == "x");

  CHECK(parse_request("[1,2]", id).error().code() == errc::bad_request);
  CHECK(parse_request("{not json", id).error().code() == errc::bad_request);
  CHECK(parse_request("{\"op\":\"a\xff\"}", id).error().code() == errc::bad_request);
  CHECK(parse_request(R"({"id":1})", id).error().message().find("op") != std::string::npos);
}

TEST_CASE("replies carry the id and a stable error code") {
  auto r = make_error_reply(json(4), status{errc::not_found, "no process named 'wolf'"});
  CHECK(r["id"] == 4);
  CHECK(r["ok"] == false);
  CHECK(r["error"]["code"] == "not_found");
  CHECK(make_ok_reply(nullptr, json{{"a", 1}})["result"]["a"] == 1);
}

TEST_CASE("to_line replaces invalid UTF-8 instead of throwing") {
  json j = {{"data", std::string("ok\xff\xfe")}};
  std::string line;
  CHECK_NOTHROW(line = to_line(j));
  CHECK(line.back() == '\n');
  CHECK(line.find("\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("names follow [A-Za-z0-9][A-Za-z0-9._-]{0,63}") {
  CHECK(is_valid_name("bear"));
  CHECK(is_valid_name("Process-1"));
  CHECK(is_valid_name("a.b_c-d"));
  CHECK(is_valid_name(std::string(64, 'x')));
  CHECK_FALSE(is_valid_name(std::string(65, 'x')));
  CHECK_FALSE(is_valid_name(""));
  CHECK_FALSE(is_valid_name("-x"));
  CHECK_FALSE(is_valid_name(".hidden"));
  CHECK_FALSE(is_valid_name("a/b"));
  CHECK_FALSE(is_valid_name("a b"));
}

TEST_CASE("signals parse by name, short name and number") {
  CHECK(parse_signal("SIGTERM") == 15);
  CHECK(parse_signal("term") == 15);
  CHECK(parse_signal("9") == 9);
  CHECK_FALSE(parse_signal("0"));
  CHECK_FALSE(parse_signal("SIGNOPE"));
  CHECK_FALSE(parse_signal("99999"));
  CHECK(signal_name(9) == "SIGKILL");
}

TEST_CASE("times are RFC 3339 UTC with milliseconds") {
  using namespace std::chrono;
  system_clock::time_point t{milliseconds(1'700'000'000'123)};
  CHECK(to_rfc3339(t) == "2023-11-14T22:13:20.123Z");
  CHECK(to_rfc3339(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  CHECK(to_rfc3339(system_clock::time_point{milliseconds(-1)}) == "1969-12-31T23:59:59.999Z");
  CHECK(to_rfc3339(system_clock::time_point{milliseconds(1'709'251'199'999)}) ==
        "2024-02-29T23:59:59.999Z");
  std::string out = "at ";
  append_rfc3339(out, t);
  CHECK(out == "at 2023-11-14T22:13:20.123Z");
}
