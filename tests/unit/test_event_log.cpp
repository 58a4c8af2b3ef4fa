#include <doctest/doctest.h>

#include <vector>

#include "daemon/dispatcher.hpp"
#include "daemon/event_log.hpp"
#include "daemon/watch_ops.hpp"

using namespace shoal;

namespace {

std::chrono::system_clock::time_point fixed_time() {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1'790'000'000'123));
}

}  // namespace

TEST_CASE("events carry increasing seqs, their type, name, time and fields") {
  event_log log(10, fixed_time);
  CHECK(log.last_seq() == 0);
  auto a = log.publish("started", "bear", {{"pid", 42}});
  auto b = log.publish("exited", "bear", {{"exitcode", 3}, {"seq", 999}});
  CHECK(a == 1);
  CHECK(b == 2);
  CHECK(log.last_seq() == 2);
  auto all = log.since(0);
  REQUIRE(all.events.size() == 2);
  CHECK(all.lost == 0);
  CHECK(all.events[0]["type"] == "started");
  CHECK(all.events[0]["name"] == "bear");
  CHECK(all.events[0]["pid"] == 42);
  CHECK(all.events[0]["time"] == "2026-09-21T14:13:20.123Z");
  // A field cannot override the log's own members.
  CHECK(all.events[1]["seq"] == 2);
  CHECK(all.events[1]["exitcode"] == 3);
}

TEST_CASE("since replays only newer events, and nothing when up to date or ahead") {
  event_log log(10);
  for (int i = 0; i < 5; ++i) log.publish("started", "p" + std::to_string(i));
  auto tail = log.since(3);
  REQUIRE(tail.events.size() == 2);
  CHECK(tail.events[0]["seq"] == 4);
  CHECK(tail.events[1]["seq"] == 5);
  CHECK(tail.lost == 0);
  CHECK(log.since(5).events.empty());
  CHECK(log.since(100).events.empty());
  CHECK(log.since(100).lost == 0);
}

TEST_CASE("the ring keeps the newest events and counts what a late reader missed") {
  event_log log(3);
  for (int i = 0; i < 10; ++i) log.publish("exited", "p");
  CHECK(log.size() == 3);
  auto r = log.since(2);
  REQUIRE(r.events.size() == 3);
  CHECK(r.events.front()["seq"] == 8);
  CHECK(r.events.back()["seq"] == 10);
  CHECK(r.lost == 5);  // seqs 3..7
  auto up_to_date = log.since(7);
  CHECK(up_to_date.lost == 0);
  CHECK(up_to_date.events.size() == 3);
}

TEST_CASE("the ring replays each held event whole after many of the oldest were dropped") {
  event_log log(4);
  for (int i = 0; i < 50; ++i) log.publish("started", "p" + std::to_string(i), {{"pid", i}});
  CHECK(log.size() == 4);
  auto r = log.since(0);
  CHECK(r.lost == 46);
  REQUIRE(r.events.size() == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(r.events[static_cast<std::size_t>(i)]["seq"] == 47 + i);
    CHECK(r.events[static_cast<std::size_t>(i)]["name"] == "p" + std::to_string(46 + i));
    CHECK(r.events[static_cast<std::size_t>(i)]["pid"] == 46 + i);
  }
  auto last = log.since(49);
  REQUIRE(last.events.size() == 1);
  CHECK(last.events[0]["name"] == "p49");
}

TEST_CASE("subscribers see each event once and may unsubscribe from inside the callback") {
  event_log log(10);
  std::vector<std::uint64_t> first, second;
  std::uint64_t first_id = 0;
  first_id = log.subscribe([&](const json& e) {
    first.push_back(e["seq"].get<std::uint64_t>());
    if (first.size() == 2) log.unsubscribe(first_id);
  });
  log.subscribe([&](const json& e) { second.push_back(e["seq"].get<std::uint64_t>()); });
  for (int i = 0; i < 4; ++i) log.publish("started", "x");
  CHECK(first == std::vector<std::uint64_t>{1, 2});
  CHECK(second == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(log.subscriber_count() == 1);
}

TEST_CASE("a replayed event is the one its subscribers were handed, member for member") {
  std::int64_t ms = 1'790'000'000'000;
  event_log log(3, [&ms] {
    ms += 1'001;
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  });
  std::vector<std::string> handed;
  log.subscribe([&](const json& e) {
    handed.push_back(e.dump(-1, ' ', false, json::error_handler_t::replace));
  });
  log.publish("started", "bear", {{"pid", 42}});
  log.publish("exited", "bear",
              {{"exitcode", nullptr}, {"signal", "SIGKILL"}, {"time", "x"}, {"type", "y"}});
  log.publish("restarting", "bear", {{"delay", 0.95}, {"attempt", 1}});
  log.publish("value_created", "counter", {{"kind", "value"}, {"typecode", "i"}});
  log.publish("started", "bear\xff", {{"pid", 43}});  // not UTF-8: replaced, as when sent
  REQUIRE(handed.size() == 5);
  auto r = log.since(0);
  CHECK(r.lost == 2);
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].dump() == handed[2]);
  CHECK(r.events[1].dump() == handed[3]);
  CHECK(r.events[2]["type"] == "started");
  CHECK(r.events[2]["seq"] == 5);
  CHECK(r.events[2]["name"] == "bear\xef\xbf\xbd");
  CHECK(r.events[2]["time"] == "2026-09-21T14:13:25.005Z");
  auto all = event_log(10, fixed_time);
  std::vector<std::string> sent;
  all.subscribe([&](const json& e) { sent.push_back(e.dump()); });
  all.publish("exited", "w-1", {{"exitcode", 0}, {"pid", 7}, {"signal", nullptr}});
  all.publish("exited", "w-2", {{"seq", 99}, {"name", "other"}});
  auto both = all.since(0);
  REQUIRE(both.events.size() == 2);
  CHECK(both.events[0].dump() == sent[0]);
  CHECK(both.events[1].dump() == sent[1]);
  CHECK(both.events[1]["name"] == "w-2");
  CHECK(both.events[1]["seq"] == 2);
}

// A watcher back after a restart sends the seq it saw with the numbering it belongs to; a
// daemon of another numbering replays all it holds rather than what follows that seq.
TEST_CASE("watch replays from a seq of its own numbering, and everything for another's") {
  event_log before(10);
  event_log log(10);
  CHECK(!log.epoch().empty());
  CHECK(log.epoch() != before.epoch());
  dispatcher d;
  register_watch_ops(d, log);
  for (int i = 0; i < 3; ++i) log.publish("started", "p" + std::to_string(i));
  auto watch = [&](json request) {
    std::vector<json> lines;
    request["op"] = "watch";
    request["id"] = 1;
    d.dispatch(request.dump(), peer{1, 0, 0, 0}, [&](const json& r) { lines.push_back(r); });
    d.session_closed(1);  // its subscription writes to `lines`
    return lines;
  };
  auto same = watch({{"since", 2}, {"epoch", log.epoch()}});
  REQUIRE(same.size() == 2);
  CHECK(same[0]["result"]["epoch"] == log.epoch());
  CHECK(same[0]["result"]["replayed"] == 1);
  CHECK(same[1]["event"]["seq"] == 3);
  auto other = watch({{"since", 7}, {"epoch", before.epoch()}});
  REQUIRE(other.size() == 4);
  CHECK(other[0]["result"]["replayed"] == 3);
  CHECK(other[1]["event"]["seq"] == 1);
  // Without an epoch, a seq is taken as this daemon's, as before epochs were told.
  CHECK(watch({{"since", 7}}).size() == 1);
}
