#include "common/typecodes.hpp"

#include <array>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "common/rounding.hpp"

namespace shoal {
namespace {

// GCC's 128-bit integer holds every int64 and uint64 and their sums, so range checks are exact.
__extension__ typedef __int128 wide;  // NOLINT(modernize-use-using): __extension__ takes no alias

constexpr std::array<typecode_info, 13> table{{
    {'c', 1, "char", false, false},
    {'b', 1, "int8", true, true},
    {'B', 1, "uint8", true, false},
    {'h', 2, "int16", true, true},
    {'H', 2, "uint16", true, false},
    {'i', 4, "int32", true, true},
    {'I', 4, "uint32", true, false},
    {'l', 8, "int64", true, true},
    {'L', 8, "uint64", true, false},
    {'q', 8, "int64", true, true},
    {'Q', 8, "uint64", true, false},
    {'f', 4, "float", false, true},
    {'d', 8, "double", false, true},
}};

static_assert([] {
  for (const auto& t : table)
    if (t.size != layout::typecode_size(t.code)) return false;
  return table.size() == layout::typecodes.size();
}());

wide min_of(const typecode_info& t) {
  if (!t.is_signed) return 0;
  return -(wide{1} << (t.size * 8 - 1));
}
wide max_of(const typecode_info& t) {
  if (!t.is_signed) return (wide{1} << (t.size * 8)) - 1;
  return (wide{1} << (t.size * 8 - 1)) - 1;
}

std::string to_text(wide v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  std::string digits;
  while (v != 0) {
    int d = static_cast<int>(v % 10);
    digits.insert(digits.begin(), static_cast<char>('0' + (d < 0 ? -d : d)));
    v /= 10;
  }
  return negative ? "-" + digits : digits;
}

std::string describe(const json& input) {
  std::string text = to_line(input);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

status wrong(const typecode_info& t, std::string_view what, const json& input,
             std::string_view expected) {
  return {errc::wrong_type, std::string(what) + " " + describe(input) +
                                " is not valid for typecode '" + std::string(1, t.code) + "' (" +
                                std::string(t.c_type) + "): expected " + std::string(expected)};
}

status outside(const typecode_info& t, std::string_view what, const json& input) {
  std::string range = t.is_integer ? to_text(min_of(t)) + " to " + to_text(max_of(t))
                      : t.code == 'c'
                          ? std::string("code points 0 to 255")
                          : std::string("-3.4028234663852886e+38 to 3.4028234663852886e+38");
  return {errc::out_of_range, std::string(what) + " " + describe(input) +
                                  " is out of range for typecode '" + std::string(1, t.code) +
                                  "' (" + std::string(t.c_type) + ": " + range + ")"};
}

// A JSON integer, or an integral float, as an exact wide integer. Non-integers are
// wrong_type; integral floats too large to be exact are out of range.
enum class integral { ok, not_integer, too_big };
integral to_wide(const json& input, wide& out) {
  if (input.is_number_unsigned()) {
    out = static_cast<wide>(input.get<std::uint64_t>());
    return integral::ok;
  }
  if (input.is_number_integer()) {
    out = static_cast<wide>(input.get<std::int64_t>());
    return integral::ok;
  }
  if (input.is_number_float()) {
    double d = input.get<double>();
    if (!std::isfinite(d) || !is_whole(d)) return integral::not_integer;
    // Beyond 2^53 a double no longer tells which integer was written: JSON integer literals
    // outside 64 bits arrive here rounded (-2^63-1 becomes -2^63), so refuse rather than guess.
    if (std::fabs(d) > 0x1p53) return integral::too_big;
    out = static_cast<wide>(d);
    return integral::ok;
  }
  return integral::not_integer;
}

// A JSON number or one of the spelled-out specials, as a double.
bool to_real(const json& input, double& out) {
  if (input.is_number()) {
    out = input.get<double>();
    return true;
  }
  if (input.is_string()) {
    const auto& s = input.get_ref<const std::string&>();
    if (s == "nan")
      out = std::numeric_limits<double>::quiet_NaN();
    else if (s == "inf")
      out = std::numeric_limits<double>::infinity();
    else if (s == "-inf")
      out = -std::numeric_limits<double>::infinity();
    else
      return false;
    return true;
  }
  return false;
}

element_bits from_wide(const typecode_info& t, wide v) {
  auto u = static_cast<std::uint64_t>(v);  // two's complement truncation to 64 bits
  if (t.size == 8) return u;
  return u & ((std::uint64_t{1} << (t.size * 8)) - 1);
}

wide to_wide_bits(const typecode_info& t, element_bits bits) {
  if (!t.is_signed || t.size == 8) {
    if (t.is_signed) return static_cast<wide>(static_cast<std::int64_t>(bits));
    return static_cast<wide>(bits);
  }
  unsigned shift = 64 - static_cast<unsigned>(t.size) * 8;
  return static_cast<wide>(static_cast<std::int64_t>(bits << shift) >> shift);
}

element_bits from_double(const typecode_info& t, double d) {
  if (t.code == 'f') {
    float f = static_cast<float>(d);
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
  }
  std::uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}

double to_double(const typecode_info& t, element_bits bits) {
  if (t.code == 'f') {
    auto u = static_cast<std::uint32_t>(bits);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

// A float typecode can hold `d` unless it is finite and rounds to infinity.
bool fits(const typecode_info& t, double d) {
  if (!std::isfinite(d)) return true;
  if (t.code == 'f') return std::isfinite(static_cast<float>(d));
  return true;
}

// The code point of a one-character UTF-8 string, or -1.
long single_code_point(const std::string& s) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  if (s.size() == 1 && b(0) < 0x80) return b(0);
  if (s.size() == 2 && (b(0) & 0xE0) == 0xC0 && (b(1) & 0xC0) == 0x80)
    return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
  if (s.size() == 3 && (b(0) & 0xF0) == 0xE0) return 0x800;  // valid or not, above 255
  if (s.size() == 4 && (b(0) & 0xF8) == 0xF0) return 0x10000;
  return -1;
}

}  // namespace

const typecode_info* find_typecode(char code) {
  for (const auto& t : table)
    if (t.code == code) return &t;
  return nullptr;
}

const typecode_info* find_typecode(std::string_view text) {
  if (text.size() != 1) return nullptr;
  return find_typecode(text[0]);
}

result<element_bits> encode_element(const typecode_info& t, const json& input,
                                    std::string_view what) {
  if (t.code == 'c') {
    if (!input.is_string()) return wrong(t, what, input, "a string of one character");
    long cp = single_code_point(input.get_ref<const std::string&>());
    if (cp < 0) return wrong(t, what, input, "a string of one character");
    if (cp > 255) return outside(t, what, input);
    return static_cast<element_bits>(cp);
  }
  if (t.is_integer) {
    wide v = 0;
    switch (to_wide(input, v)) {
      case integral::not_integer:
        return wrong(t, what, input, "an integer");
      case integral::too_big:
        return outside(t, what, input);
      case integral::ok:
        break;
    }
    if (v < min_of(t) || v > max_of(t)) return outside(t, what, input);
    return from_wide(t, v);
  }
  double d = 0;
  if (!to_real(input, d)) return wrong(t, what, input, "a number, \"nan\", \"inf\" or \"-inf\"");
  if (!fits(t, d)) return outside(t, what, input);
  return from_double(t, d);
}

json decode_element(const typecode_info& t, element_bits bits) {
  if (t.code == 'c') {
    auto byte = static_cast<unsigned char>(bits);
    std::string s;
    if (byte < 0x80) {
      s.push_back(static_cast<char>(byte));
    } else {
      s.push_back(static_cast<char>(0xC0 | (byte >> 6)));
      s.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
    }
    return s;
  }
  if (t.is_integer) {
    wide v = to_wide_bits(t, bits);
    if (v < 0) return static_cast<std::int64_t>(v);
    return static_cast<std::uint64_t>(v);
  }
  double d = to_double(t, bits);
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  return d;
}

result<element_bits> add_elements(const typecode_info& t, element_bits current, const json& delta) {
  if (t.code == 'c')
    return status{errc::wrong_type,
                  "typecode 'c' holds characters; there is nothing to add to them"};
  if (t.is_integer) {
    wide d = 0;
    switch (to_wide(delta, d)) {
      case integral::not_integer:
        return wrong(t, "delta", delta, "an integer");
      case integral::too_big:
        return outside(t, "delta", delta);
      case integral::ok:
        break;
    }
    wide sum = to_wide_bits(t, current) + d;
    if (sum < min_of(t) || sum > max_of(t))
      return status{errc::out_of_range,
                    "adding " + describe(delta) + " to " + to_text(to_wide_bits(t, current)) +
                        " leaves the range of typecode '" + std::string(1, t.code) + "' (" +
                        to_text(min_of(t)) + " to " + to_text(max_of(t)) + ")"};
    return from_wide(t, sum);
  }
  double d = 0;
  if (!to_real(delta, d)) return wrong(t, "delta", delta, "a number");
  double sum = to_double(t, current) + d;
  if (!fits(t, sum) ||
      (std::isinf(sum) && std::isfinite(d) && std::isfinite(to_double(t, current))))
    return status{errc::out_of_range, "adding " + describe(delta) + " overflows typecode '" +
                                          std::string(1, t.code) + "'"};
  return from_double(t, sum);
}

bool elements_equal(const typecode_info& t, element_bits a, element_bits b) {
  if (t.code == 'f' || t.code == 'd') return to_double(t, a) == to_double(t, b);
  return a == b;
}

element_bits load_element(const typecode_info& t, const void* at) {
  // The segment is shared memory; atomic_ref on its properly aligned elements is lock-free on
  // x86-64 for every size used here, so concurrent readers never see a torn value.
  void* p = const_cast<void*>(at);
  switch (t.size) {
    case 1:
      return std::atomic_ref<std::uint8_t>(*static_cast<std::uint8_t*>(p)).load();
    case 2:
      return std::atomic_ref<std::uint16_t>(*static_cast<std::uint16_t*>(p)).load();
    case 4:
      return std::atomic_ref<std::uint32_t>(*static_cast<std::uint32_t*>(p)).load();
    default:
      return std::atomic_ref<std::uint64_t>(*static_cast<std::uint64_t*>(p)).load();
  }
}

void store_element(const typecode_info& t, void* at, element_bits bits) {
  switch (t.size) {
    case 1:
      std::atomic_ref<std::uint8_t>(*static_cast<std::uint8_t*>(at))
          .store(static_cast<std::uint8_t>(bits));
      break;
    case 2:
      std::atomic_ref<std::uint16_t>(*static_cast<std::uint16_t*>(at))
          .store(static_cast<std::uint16_t>(bits));
      break;
    case 4:
      std::atomic_ref<std::uint32_t>(*static_cast<std::uint32_t*>(at))
          .store(static_cast<std::uint32_t>(bits));
      break;
    default:
      std::atomic_ref<std::uint64_t>(*static_cast<std::uint64_t*>(at)).store(bits);
      break;
  }
}

}  // namespace shoal
