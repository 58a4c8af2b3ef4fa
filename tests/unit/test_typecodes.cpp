#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>

#include "common/typecodes.hpp"

using shoal::errc;
using shoal::json;

namespace {

const shoal::typecode_info& type(char code) {
  const auto* t = shoal::find_typecode(code);
  REQUIRE(t != nullptr);
  return *t;
}

errc refusal(char code, const json& input) {
  auto r = shoal::encode_element(type(code), input);
  return r ? errc::ok : r.error().code();
}

json round_trip(char code, const json& input) {
  auto r = shoal::encode_element(type(code), input);
  REQUIRE(r.ok());
  return shoal::decode_element(type(code), *r);
}

}  // namespace

TEST_CASE("every typecode round-trips its minimum and maximum") {
  CHECK(round_trip('b', -128) == -128);
  CHECK(round_trip('b', 127) == 127);
  CHECK(round_trip('B', 0) == 0);
  CHECK(round_trip('B', 255) == 255);
  CHECK(round_trip('h', -32768) == -32768);
  CHECK(round_trip('h', 32767) == 32767);
  CHECK(round_trip('H', 65535) == 65535);
  CHECK(round_trip('i', INT32_MIN) == INT32_MIN);
  CHECK(round_trip('i', INT32_MAX) == INT32_MAX);
  CHECK(round_trip('I', UINT32_MAX) == UINT32_MAX);
  for (char c : {'l', 'q'}) {
    CHECK(round_trip(c, INT64_MIN) == INT64_MIN);
    CHECK(round_trip(c, INT64_MAX) == INT64_MAX);
  }
  for (char c : {'L', 'Q'}) {
    CHECK(round_trip(c, 0) == 0);
    CHECK(round_trip(c, UINT64_MAX) == UINT64_MAX);
  }
  CHECK(round_trip('f', FLT_MAX).get<double>() == static_cast<double>(FLT_MAX));
  CHECK(round_trip('f', -FLT_MAX).get<double>() == -static_cast<double>(FLT_MAX));
  CHECK(round_trip('d', DBL_MAX).get<double>() == DBL_MAX);
  CHECK(round_trip('d', -DBL_MAX).get<double>() == -DBL_MAX);
  CHECK(round_trip('c', "\x01") == "\x01");
  CHECK(round_trip('c', "\u00ff") == "\u00ff");
}

TEST_CASE("integers outside the range are out_of_range, not wrapped") {
  CHECK(refusal('q', json(9223372036854775808ULL)) == errc::out_of_range);  // 2^63
  CHECK(refusal('I', -1) == errc::out_of_range);
  CHECK(refusal('i', 1e308) == errc::out_of_range);
  CHECK(refusal('b', 128) == errc::out_of_range);
  CHECK(refusal('B', 256) == errc::out_of_range);
  CHECK(refusal('H', -1) == errc::out_of_range);
  CHECK(refusal('l', json::parse("-9223372036854775809")) == errc::out_of_range);
  CHECK(refusal('Q', json::parse("18446744073709551616")) == errc::out_of_range);
}

TEST_CASE("values of the wrong kind are wrong_type") {
  CHECK(refusal('i', 1.5) == errc::wrong_type);
  CHECK(refusal('i', "nan") == errc::wrong_type);
  CHECK(refusal('i', "7") == errc::wrong_type);
  CHECK(refusal('i', true) == errc::wrong_type);
  CHECK(refusal('i', nullptr) == errc::wrong_type);
  CHECK(refusal('d', "seven") == errc::wrong_type);
  CHECK(refusal('c', 65) == errc::wrong_type);
  CHECK(refusal('c', "ab") == errc::wrong_type);
  CHECK(refusal('c', "") == errc::wrong_type);
  CHECK(refusal('c', "\u0100") == errc::out_of_range);
}

TEST_CASE("an integral float fits an integer typecode") {
  CHECK(round_trip('i', 100.0) == 100);
  CHECK(round_trip('q', -9007199254740992.0) == -9007199254740992LL);  // -2^53
  // Past 2^53 a double cannot say which integer was meant; an integer literal is exact.
  CHECK(refusal('Q', 1e19) == errc::out_of_range);
  CHECK(round_trip('Q', json::parse("10000000000000000000")) == 10000000000000000000ULL);
}

TEST_CASE("floats take the spelled-out specials and refuse overflow of a float") {
  CHECK(round_trip('d', "nan") == "nan");
  CHECK(round_trip('f', "inf") == "inf");
  CHECK(round_trip('d', "-inf") == "-inf");
  CHECK(refusal('f', 1e39) == errc::out_of_range);
  CHECK(refusal('f', 1e308) == errc::out_of_range);
  CHECK(refusal('d', 1e308) == errc::ok);
}

TEST_CASE("add refuses to leave the range and keeps exact 64-bit arithmetic") {
  const auto& q = type('q');
  auto max = shoal::encode_element(q, INT64_MAX);
  REQUIRE(max.ok());
  auto over = shoal::add_elements(q, *max, 1);
  CHECK_FALSE(over.ok());
  CHECK(over.error().code() == errc::out_of_range);
  auto back = shoal::add_elements(q, *max, -1);
  REQUIRE(back.ok());
  CHECK(shoal::decode_element(q, *back) == INT64_MAX - 1);

  const auto& B = type('B');
  auto zero = shoal::encode_element(B, 0);
  CHECK(shoal::add_elements(B, *zero, -1).error().code() == errc::out_of_range);
  CHECK(shoal::add_elements(B, *zero, 0.5).error().code() == errc::wrong_type);
  CHECK(shoal::add_elements(type('c'), 0, 1).error().code() == errc::wrong_type);

  const auto& i = type('i');
  auto minus = shoal::encode_element(i, -5);
  auto sum = shoal::add_elements(i, *minus, 3);
  REQUIRE(sum.ok());
  CHECK(shoal::decode_element(i, *sum) == -2);
}

TEST_CASE("compare-and-set equality is numeric for floats") {
  const auto& d = type('d');
  auto zero = shoal::encode_element(d, 0.0);
  auto minus_zero = shoal::encode_element(d, -0.0);
  auto nan = shoal::encode_element(d, "nan");
  CHECK(shoal::elements_equal(d, *zero, *minus_zero));
  CHECK_FALSE(shoal::elements_equal(d, *nan, *nan));
}

TEST_CASE("elements are stored and loaded at their natural size") {
  alignas(8) unsigned char buf[16] = {};
  const auto& h = type('h');
  auto bits = shoal::encode_element(h, -2);
  shoal::store_element(h, buf + 2, *bits);
  CHECK(buf[0] == 0);
  CHECK(buf[4] == 0);
  CHECK(shoal::decode_element(h, shoal::load_element(h, buf + 2)) == -2);
}
