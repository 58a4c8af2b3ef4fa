// The direct JSON writers must write byte for byte what json's dump() writes for the same value:
// `status` and the record file are read back by json, and compared as text by their tests.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "daemon/json_text.hpp"

using namespace shoal;

namespace {

std::string written(double value) {
  std::string out;
  json_text::append_double(out, value);
  return out;
}

std::string dumped(double value) { return json(value).dump(); }

}  // namespace

TEST_CASE("whole numbers are written as json writes them, up to where it switches to exponents") {
  for (double v : {0.0, -0.0, 1.0, -1.0, 2.0, 60.0, 100.0, 3600.0, 1e14, 999999999999999.0, 1e15,
                   -1e15, 1e16, 1e300, 4503599627370496.0}) {
    CAPTURE(v);
    CHECK(written(v) == dumped(v));
  }
  for (long long i = -20000; i <= 20000; ++i) {
    auto v = static_cast<double>(i);
    if (written(v) != dumped(v)) FAIL_CHECK(v);
  }
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) {
    auto v = std::trunc(
        std::ldexp(static_cast<double>(random() >> 11), -static_cast<int>(random() % 60)));
    if (written(v) != dumped(v)) FAIL_CHECK(v);
  }
}

TEST_CASE("fractions and values json has no number for are written as json writes them") {
  for (double v : {0.1, 0.5, 2.5, 12.25, 1e-7, 123456.789, 1e15 + 0.5, -3.75,
                   std::numeric_limits<double>::min(), std::numeric_limits<double>::max()}) {
    CAPTURE(v);
    CHECK(written(v) == dumped(v));
  }
  CHECK(written(std::numeric_limits<double>::infinity()) == "null");
  CHECK(written(std::numeric_limits<double>::quiet_NaN()) == "null");
}
