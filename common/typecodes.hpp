// Python's array/ctypes typecodes and the range-checked conversion between JSON and the bytes
// stored in the shared segment. The rules (docs/protocol.md, "Shared values and arrays"):
//   - integer codes take JSON integers, or floats with no fractional part, inside the C type's
//     range: anything else numeric is out_of_range; 1.5, NaN, strings, booleans are wrong_type;
//   - `f` and `d` take any JSON number, or the strings "nan", "inf", "-inf"; a finite number
//     too large for a float is out_of_range;
//   - `c` takes a string of exactly one character with code point 0-255 (one byte);
//     a larger code point is out_of_range, anything else wrong_type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/protocol.hpp"
#include "shoal/segment_layout.hpp"

namespace shoal {

struct typecode_info {
  char code;
  std::size_t size;
  std::string_view c_type;  // for people: "int32", "uint8", "double"...
  bool is_integer;          // false for c, f, d
  bool is_signed;
};

// The entry for a one-character typecode, or nullptr when `text` is not one.
const typecode_info* find_typecode(std::string_view text);
const typecode_info* find_typecode(char code);

// One element's bytes, right-aligned in the low bytes of a 64-bit word (the element's own
// representation: two's complement integers, IEEE floats, the byte of a `c`).
using element_bits = std::uint64_t;

// JSON -> element, refusing what does not fit (out_of_range, wrong_type). `what` names the
// input in messages ("value", "delta", "values[3]").
result<element_bits> encode_element(const typecode_info& type, const json& input,
                                    std::string_view what = "value");
json decode_element(const typecode_info& type, element_bits bits);

// current + delta, refused when the sum leaves the type's range (no wrap-around) and for `c`.
result<element_bits> add_elements(const typecode_info& type, element_bits current,
                                  const json& delta);
// Numeric equality for f/d (NaN equals nothing, -0 equals 0); bitwise for the rest.
bool elements_equal(const typecode_info& type, element_bits a, element_bits b);

// Atomic single-element access to the segment: `at` is naturally aligned for the type.
element_bits load_element(const typecode_info& type, const void* at);
void store_element(const typecode_info& type, void* at, element_bits bits);

}  // namespace shoal
