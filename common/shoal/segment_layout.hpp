// THE byte layout of Shoal's shared-memory segment, defined once for the daemon that writes it
// and for every program that maps it (common/shoal/shared.hpp, docs/segment-layout.md).
//
//   offset 0                header            128 bytes
//   offset 128              entry table       entry_capacity x 128 bytes
//   offset data_offset      data area         up to `size`, 8-byte aligned allocations
//
// All integers are little-endian (x86-64 native) and naturally aligned. Fields that change
// while other processes read them are accessed with std::atomic_ref only; the others are
// written once by the daemon before they are published (see entry::state).
//
// Only the daemon creates and deletes entries. Values inside the data area are read and
// written by anyone, one element at a time, atomically; read-modify-write sequences are done
// while holding the lock (the named semaphore whose owner is recorded in the header).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shoal::layout {

// "SHOALSEG" read as a little-endian integer: the first 8 bytes of the segment spell it.
inline constexpr std::uint64_t magic = 0x4745534c414f4853ULL;
// Bumped whenever a field below moves or changes meaning; a daemon refuses other versions.
inline constexpr std::uint32_t version = 1;

inline constexpr std::size_t header_size = 128;
inline constexpr std::size_t entry_size = 128;
inline constexpr std::size_t name_capacity = 72;  // 64-byte names, NUL-terminated, padded
inline constexpr std::size_t data_alignment = 8;

// entry::state. A reader trusts an entry's other fields only after loading `ready` with
// acquire order; the daemon stores `ready` with release order after filling them in, and
// stores `free` before reusing the slot.
inline constexpr std::uint32_t entry_free = 0;
inline constexpr std::uint32_t entry_ready = 1;

// entry::kind
inline constexpr std::uint8_t kind_value = 1;
inline constexpr std::uint8_t kind_array = 2;
inline constexpr std::uint8_t kind_lock = 3;  // a named lock: its data is one lock_state

// Who holds a lock, which its named semaphore cannot say (docs/segment-layout.md, "The lock
// protocol"; common/shoal/lock_record.hpp reads and writes it). The daemon's own lock keeps
// one in the header; each named lock keeps one as the data of its entry.
struct lock_state {
  std::int32_t owner;        // pid of the holder; 0 when free or not yet recorded
  std::uint32_t owner_died;  // 1: the last holder died holding it; the next acquirer clears it
  std::uint64_t since_ns;    // CLOCK_REALTIME nanoseconds when the holder acquired it, or 0
  std::uint64_t sequence;    // +1 on every acquisition (progress marker for the daemon)
};

struct header {
  std::uint64_t magic;           // layout::magic, stored last (release) when the segment is new
  std::uint32_t version;         // layout::version
  std::uint32_t header_size;     // layout::header_size
  std::uint64_t size;            // total bytes of the segment, equal to its file size
  std::uint32_t entry_capacity;  // slots in the entry table
  std::uint32_t entry_size;      // layout::entry_size
  std::uint64_t data_offset;     // first byte of the data area, 8-byte aligned
  std::uint32_t generation;      // +1 on every create and delete; lets readers notice changes
  std::uint32_t reserved0;
  lock_state lock;  // who holds the daemon's own lock
  std::uint8_t reserved1[56];
};

struct entry {
  char name[name_capacity];  // NUL-terminated, follows the process-name rule
  std::uint32_t state;       // entry_free or entry_ready (atomic)
  char typecode;             // one of "cbBhHiIlLqQfd"; 0 for a lock
  std::uint8_t kind;         // kind_value, kind_array or kind_lock
  std::uint16_t reserved0;
  std::uint64_t length;    // elements: 1 for a value or a lock
  std::uint64_t offset;    // from the start of the segment, aligned to the element size
  std::uint64_t capacity;  // bytes reserved at `offset` (length x size, rounded up to 8)
  std::uint8_t reserved1[24];
};

static_assert(sizeof(header) == header_size);
static_assert(offsetof(header, magic) == 0);
static_assert(offsetof(header, version) == 8);
static_assert(offsetof(header, header_size) == 12);
static_assert(offsetof(header, size) == 16);
static_assert(offsetof(header, entry_capacity) == 24);
static_assert(offsetof(header, entry_size) == 28);
static_assert(offsetof(header, data_offset) == 32);
static_assert(offsetof(header, generation) == 40);
static_assert(offsetof(header, reserved0) == 44);
static_assert(offsetof(header, lock) == 48);
static_assert(offsetof(header, reserved1) == 72);

static_assert(sizeof(lock_state) == 24);
static_assert(offsetof(lock_state, owner) == 0);
static_assert(offsetof(lock_state, owner_died) == 4);
static_assert(offsetof(lock_state, since_ns) == 8);
static_assert(offsetof(lock_state, sequence) == 16);

static_assert(sizeof(entry) == entry_size);
static_assert(offsetof(entry, name) == 0);
static_assert(offsetof(entry, state) == 72);
static_assert(offsetof(entry, typecode) == 76);
static_assert(offsetof(entry, kind) == 77);
static_assert(offsetof(entry, reserved0) == 78);
static_assert(offsetof(entry, length) == 80);
static_assert(offsetof(entry, offset) == 88);
static_assert(offsetof(entry, capacity) == 96);
static_assert(offsetof(entry, reserved1) == 104);

inline constexpr std::size_t entry_table_offset = header_size;

// How many entry slots a segment of `size` bytes gets: a sixteenth of it, 8 to 65536 slots.
// Readers take the count from the header, never from here, so it may change without a new
// version.
constexpr std::uint32_t entry_capacity_for(std::size_t size) {
  std::size_t n = size / 16 / entry_size;
  if (n < 8) n = 8;
  if (n > 65536) n = 65536;
  return static_cast<std::uint32_t>(n);
}

constexpr std::size_t data_offset_for(std::uint32_t capacity) {
  return entry_table_offset + std::size_t{capacity} * entry_size;
}

// Sizes of Python's array/ctypes typecodes on Linux x86-64; 0 for anything else.
constexpr std::size_t typecode_size(char code) {
  switch (code) {
    case 'c':
    case 'b':
    case 'B':
      return 1;
    case 'h':
    case 'H':
      return 2;
    case 'i':
    case 'I':
    case 'f':
      return 4;
    case 'l':
    case 'L':
    case 'q':
    case 'Q':
    case 'd':
      return 8;
    default:
      return 0;
  }
}

inline constexpr std::string_view typecodes = "cbBhHiIlLqQfd";

}  // namespace shoal::layout
