// The entry table and data area of a mapped segment (common/shoal/segment_layout.hpp): formatting a
// new segment, validating an adopted one, and creating, finding and deleting entries. Works on
// any 8-byte-aligned memory, so it is unit-tested on the heap. Only the daemon writes entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"
#include "common/typecodes.hpp"
#include "shoal/segment_layout.hpp"

namespace shoal {

class segment_table {
 public:
  // Writes an empty header over `size` bytes of zeroes (a new shared-memory object reads as
  // zeroes: the entry table is left untouched, so none of its pages is made resident before
  // an entry needs it); the magic goes in last.
  static void format(std::byte* base, std::size_t size);
  // Checks everything an adopting daemon relies on; the message says what is wrong.
  static status validate(const std::byte* base, std::size_t size);

  // `base` holds a formatted or validated segment; its published entries are indexed here.
  explicit segment_table(std::byte* base);
  // The table of a segment format() has just written: every slot free, none read.
  static segment_table formatted(std::byte* base);

  layout::header& header() { return *reinterpret_cast<layout::header*>(base_); }
  const layout::entry* find(std::string_view name) const;
  // Reserves space, writes `initial` (one element per slot, `length` of them) and publishes
  // the entry. already_exists, no_space (table or data area full).
  result<const layout::entry*> create(std::string_view name, const typecode_info& type,
                                      std::uint8_t kind, const std::vector<element_bits>& initial);
  // The same with `length` elements of zero, never built in memory first.
  result<const layout::entry*> create_zeroed(std::string_view name, const typecode_info& type,
                                             std::uint8_t kind, std::uint64_t length);
  // A named lock's entry, its lock_state zeroed (free, nobody recorded). already_exists, no_space.
  result<const layout::entry*> create_lock(std::string_view name);
  layout::lock_state& lock_state_of(const layout::entry& e);
  void remove(const layout::entry* e);
  // Published entries (values, arrays and locks), sorted by name.
  std::vector<const layout::entry*> entries() const;

  void* element(const layout::entry& e, std::size_t index) {
    return base_ + e.offset + index * layout::typecode_size(e.typecode);
  }

 private:
  segment_table() = default;
  // Reserves a slot and `bytes` (zeroed) for an entry that is not published yet.
  result<layout::entry*> allocate(std::string_view name, std::uint8_t kind, char typecode,
                                  std::uint64_t length, std::uint64_t bytes);
  const layout::entry* publish(layout::entry* e);
  layout::entry* slot(std::uint32_t i) const {
    return reinterpret_cast<layout::entry*>(base_ + layout::entry_table_offset +
                                            std::size_t{i} * layout::entry_size);
  }
  std::byte* base_ = nullptr;
  // Where every published entry is, by name, and which bytes of the data area are taken
  // (offset -> capacity). Only this table creates and deletes entries, so neither goes stale;
  // a lookup costs the same with ten entries or ten thousand.
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint32_t, name_hash, std::equal_to<>> by_name_;
  std::map<std::uint64_t, std::uint64_t> allocations_;
  std::vector<std::uint32_t> free_slots_;  // lowest last, so slots fill in order
};

}  // namespace shoal
