#include <doctest/doctest.h>

#include "daemon/log_throttle.hpp"

using namespace shoal;
using namespace std::chrono_literals;

TEST_CASE("a recurring warning is let through once a second, with the count held back") {
  log_throttle throttle(1s);
  log_throttle::clock::time_point t0{};
  auto first = throttle.occurred(t0);
  REQUIRE(first.has_value());
  CHECK(*first == 0);
  // Every 100 ms for a second: all held back.
  for (int i = 1; i < 10; ++i) CHECK_FALSE(throttle.occurred(t0 + i * 100ms).has_value());
  auto second = throttle.occurred(t0 + 1000ms);
  REQUIRE(second.has_value());
  CHECK(*second == 9);
  CHECK_FALSE(throttle.occurred(t0 + 1100ms).has_value());
  CHECK(throttle.end_episode() == 12);
  // A new episode is reported at once and counts from zero.
  auto again = throttle.occurred(t0 + 1200ms);
  REQUIRE(again.has_value());
  CHECK(*again == 0);
  CHECK(throttle.end_episode() == 1);
}
