#include <doctest/doctest.h>

#include "daemon/restart_policy.hpp"

using namespace shoal;
using clock_type = restart_tracker::clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

restart_tracker tracker(restart_mode mode, int max_restarts = 100, double window = 300,
                        double u = 0.0) {
  return restart_tracker(restart_settings{mode, max_restarts, window}, [u] { return u; });
}

// A run of `up` that ends at `t`, failing.
restart_tracker::decision fail_at(restart_tracker& t, clock_type::time_point end, milliseconds up) {
  return t.on_exit(end - up, end, true);
}

}  // namespace

TEST_CASE("the nominal delay doubles from 1 s and stops at 60 s") {
  CHECK(restart_tracker::nominal_delay(1) == 1);
  CHECK(restart_tracker::nominal_delay(2) == 2);
  CHECK(restart_tracker::nominal_delay(3) == 4);
  CHECK(restart_tracker::nominal_delay(6) == 32);
  CHECK(restart_tracker::nominal_delay(7) == 60);
  CHECK(restart_tracker::nominal_delay(1000) == 60);
}

TEST_CASE("restart modes decide on clean exits and failures") {
  auto t0 = clock_type::time_point(seconds(1000));
  auto no = tracker(restart_mode::no);
  CHECK(no.on_exit(t0, t0 + seconds(1), true).what == restart_tracker::decision::kind::none);
  auto on_failure = tracker(restart_mode::on_failure);
  CHECK(on_failure.on_exit(t0, t0 + seconds(1), false).what ==
        restart_tracker::decision::kind::none);
  CHECK(on_failure.on_exit(t0, t0 + seconds(1), true).what ==
        restart_tracker::decision::kind::restart);
  auto always = tracker(restart_mode::always);
  CHECK(always.on_exit(t0, t0 + seconds(1), false).what ==
        restart_tracker::decision::kind::restart);
}

TEST_CASE("consecutive quick failures back off 1, 2, 4 ... 60 s, jitter only shortening") {
  auto t = tracker(restart_mode::on_failure, 100, 3600, 0.5);
  auto now = clock_type::time_point(seconds(1000));
  double expected[] = {1, 2, 4, 8, 16, 32, 60, 60};
  for (int i = 0; i < 8; ++i) {
    now += seconds(61);
    auto d = fail_at(t, now, milliseconds(100));
    REQUIRE(d.what == restart_tracker::decision::kind::restart);
    CHECK(d.attempt == i + 1);
    // u = 0.5 shortens by half of the 10 % jitter.
    CHECK(d.delay_seconds == doctest::Approx(expected[i] * 0.95));
  }
  auto full = tracker(restart_mode::always, 100, 3600, 0.999999);
  auto d = full.on_exit(now, now, false);
  CHECK(d.delay_seconds > 0.9);
  CHECK(d.delay_seconds <= 1.0);
}

TEST_CASE("a run that stayed up 10 s resets the back-off") {
  auto t = tracker(restart_mode::on_failure);
  auto now = clock_type::time_point(seconds(1000));
  CHECK(fail_at(t, now += seconds(5), milliseconds(10)).delay_seconds == 1);
  CHECK(fail_at(t, now += seconds(5), milliseconds(10)).delay_seconds == 2);
  CHECK(fail_at(t, now += seconds(5), milliseconds(9999)).delay_seconds == 4);
  auto healthy = fail_at(t, now += seconds(20), milliseconds(10000));
  CHECK(healthy.attempt == 1);
  CHECK(healthy.delay_seconds == 1);
}

TEST_CASE("more than restart_max restarts within the window is fatal; older ones fall out") {
  auto t = tracker(restart_mode::on_failure, 3, 60);
  auto now = clock_type::time_point(seconds(1000));
  for (int i = 0; i < 3; ++i)
    CHECK(fail_at(t, now += seconds(5), milliseconds(10)).what ==
          restart_tracker::decision::kind::restart);
  CHECK(t.recent_restarts() == 3);
  CHECK(fail_at(t, now += seconds(5), milliseconds(10)).what ==
        restart_tracker::decision::kind::fatal);

  auto slow = tracker(restart_mode::on_failure, 2, 60);
  now = clock_type::time_point(seconds(1000));
  CHECK(fail_at(slow, now, milliseconds(10)).what == restart_tracker::decision::kind::restart);
  CHECK(fail_at(slow, now += seconds(30), milliseconds(10)).what ==
        restart_tracker::decision::kind::restart);
  // The first restart is now 60 s old and no longer counts.
  CHECK(fail_at(slow, now += seconds(30), milliseconds(10)).what ==
        restart_tracker::decision::kind::restart);
  CHECK(fail_at(slow, now += seconds(1), milliseconds(10)).what ==
        restart_tracker::decision::kind::fatal);

  auto never = tracker(restart_mode::always, 0, 60);
  CHECK(never.on_exit(now, now, false).what == restart_tracker::decision::kind::fatal);
}

TEST_CASE("restart modes parse and print as the protocol spells them") {
  CHECK(parse_restart_mode("on-failure") == restart_mode::on_failure);
  CHECK(parse_restart_mode("always") == restart_mode::always);
  CHECK(parse_restart_mode("no") == restart_mode::no);
  CHECK_FALSE(parse_restart_mode("on_failure"));
  CHECK(to_string(restart_mode::on_failure) == "on-failure");
}

TEST_CASE("a settled tracker keeps its settings and attempt, and counts no recent restart") {
  auto t = tracker(restart_mode::on_failure, 2, 300, 0.5);
  auto now = clock_type::time_point(seconds(1000));
  CHECK(t.recent_restarts() == 0);
  REQUIRE(fail_at(t, now, milliseconds(100)).what == restart_tracker::decision::kind::restart);
  REQUIRE(fail_at(t, now + seconds(2), milliseconds(100)).what ==
          restart_tracker::decision::kind::restart);
  CHECK(t.recent_restarts() == 2);
  CHECK(fail_at(t, now + seconds(4), milliseconds(100)).what ==
        restart_tracker::decision::kind::fatal);
  t.settle();
  CHECK(t.recent_restarts() == 0);
  CHECK(t.attempt() == 2);
  CHECK(t.settings().mode == restart_mode::on_failure);
  CHECK(t.settings().max_restarts == 2);
  CHECK(t.settings().window_seconds == 300);
}

TEST_CASE("a tracker without a random source of its own still jitters within 10 %") {
  restart_tracker t(restart_settings{restart_mode::always, 100, 300});
  auto now = clock_type::time_point(seconds(1000));
  auto d = t.on_exit(now - seconds(1), now, false);
  REQUIRE(d.what == restart_tracker::decision::kind::restart);
  CHECK(d.delay_seconds <= 1.0);
  CHECK(d.delay_seconds >= 0.9);
  CHECK(t.recent_restarts() == 1);
  // Moved, as the record table moves it: the history goes along.
  restart_tracker moved = std::move(t);
  CHECK(moved.recent_restarts() == 1);
  CHECK(moved.attempt() == 1);
}
