#include <doctest/doctest.h>

#include <sys/types.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "common/rounding.hpp"
#include "daemon/format.hpp"

using namespace shoal;

TEST_CASE("format fills each {} with the next argument, as std::format writes it") {
  std::string name = "bear";
  CHECK(format("process '{}' exited with {}", name, 3) == "process 'bear' exited with 3");
  CHECK(format("{}{}{}", std::string_view("a"), "b", 'c') == "abc");
  CHECK(format("no holes") == "no holes");
  CHECK(format("{} {} {}", true, false, pid_t{-42}) == "true false -42");
  CHECK(format("{}", std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
  CHECK(format("{}", std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  CHECK(format("after {} s", 0.5) == "after 0.5 s");
  CHECK(format("after {} s", 2.0) == "after 2 s");
  CHECK(format("{}", 0.1) == "0.1");
  CHECK(format("{}", 1e-5) == "1e-05");
  CHECK(format("[{}]", "") == "[]");
}

TEST_CASE("rounding without libm: whole numbers and steps") {
  CHECK(is_whole(3.0));
  CHECK(is_whole(-7.0));
  CHECK_FALSE(is_whole(2.5));
  CHECK_FALSE(is_whole(-0.25));
  CHECK(is_whole(0x1p60));
  CHECK(is_whole(-1e300));
  // Exactly the doubles std::round(v * parts) / parts gives, which JSON writes as "12.3".
  CHECK(round_to_part(12.34, 10) == 12.3);
  CHECK(round_to_part(12.35001, 10) == 12.4);
  CHECK(round_to_part(0.0004, 1000) == 0.0);
  CHECK(round_to_part(1.0006, 1000) == 1.001);
  CHECK(round_to_part(59.9996, 1000) == 60.0);
  CHECK(round_to_part(0.25, 2) == 0.5);
}
