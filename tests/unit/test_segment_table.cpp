#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "daemon/segment_table.hpp"
#include "shoal/shared.hpp"

using shoal::errc;
namespace layout = shoal::layout;

namespace {

// An 8-byte-aligned stand-in for a mapped segment.
struct fake_segment {
  explicit fake_segment(std::size_t n) : words((n + 7) / 8), size(n) {
    shoal::segment_table::format(base(), size);
  }
  std::byte* base() { return reinterpret_cast<std::byte*>(words.data()); }
  std::vector<std::uint64_t> words;
  std::size_t size;
};

std::vector<shoal::element_bits> zeros(std::size_t n) {
  return std::vector<shoal::element_bits>(n, 0);
}

}  // namespace

TEST_CASE("a formatted segment validates and starts empty") {
  fake_segment seg(4096);
  CHECK(shoal::segment_table::validate(seg.base(), seg.size).ok());
  shoal::segment_table t(seg.base());
  CHECK(t.entries().empty());
  CHECK(t.header().magic == layout::magic);
  CHECK(t.header().entry_capacity == layout::entry_capacity_for(4096));
}

TEST_CASE("entries are created once, found by name, aligned, and freed for reuse") {
  fake_segment seg(8192);
  shoal::segment_table t(seg.base());
  const auto& d = *shoal::find_typecode('d');
  const auto& b = *shoal::find_typecode('b');
  auto small = t.create("small", b, layout::kind_array, zeros(3));
  REQUIRE(small.ok());
  auto big = t.create("big", d, layout::kind_value, zeros(1));
  REQUIRE(big.ok());
  CHECK((*big)->offset % 8 == 0);
  CHECK((*big)->offset >= (*small)->offset + 3);
  CHECK(t.find("big") == *big);
  auto again = t.create("big", d, layout::kind_value, zeros(1));
  CHECK(again.error().code() == errc::already_exists);
  t.remove(*small);
  CHECK(t.find("small") == nullptr);
  auto reuse = t.create("reuse", b, layout::kind_value, zeros(1));
  REQUIRE(reuse.ok());
  CHECK((*reuse)->offset == t.header().data_offset);  // first fit takes the freed gap
  CHECK(shoal::segment_table::validate(seg.base(), seg.size).ok());
  auto names = t.entries();
  REQUIRE(names.size() == 2);
  CHECK(std::string(names[0]->name) == "big");
}

TEST_CASE("a full data area or entry table is no_space and changes nothing") {
  fake_segment seg(4096);
  shoal::segment_table t(seg.base());
  const auto& q = *shoal::find_typecode('q');
  std::size_t room = (4096 - t.header().data_offset) / 8;
  auto too_big = t.create("huge", q, layout::kind_array, zeros(room + 1));
  CHECK(too_big.error().code() == errc::no_space);
  CHECK(t.entries().empty());
  for (std::uint32_t i = 0; i < t.header().entry_capacity; ++i)
    REQUIRE(t.create("v" + std::to_string(i), q, layout::kind_value, zeros(1)).ok());
  CHECK(t.create("one-more", q, layout::kind_value, zeros(1)).error().code() == errc::no_space);
}

TEST_CASE("a table over an adopted segment finds its entries and reuses its free slot and gap") {
  fake_segment seg(8192);
  const auto& q = *shoal::find_typecode('q');
  const layout::entry* gap = nullptr;
  {
    shoal::segment_table before(seg.base());
    REQUIRE(before.create("a", q, layout::kind_value, zeros(1)).ok());
    auto b = before.create("b", q, layout::kind_value, zeros(1));
    REQUIRE(b.ok());
    REQUIRE(before.create("c", q, layout::kind_value, zeros(1)).ok());
    gap = *b;
    before.remove(gap);
  }
  shoal::segment_table after(seg.base());  // what a restarted daemon builds
  REQUIRE(after.find("a") != nullptr);
  REQUIRE(after.find("c") != nullptr);
  CHECK(after.find("b") == nullptr);
  CHECK(after.create("c", q, layout::kind_value, zeros(1)).error().code() == errc::already_exists);
  auto d = after.create("d", q, layout::kind_value, zeros(1));
  REQUIRE(d.ok());
  CHECK(*d == gap);  // the freed slot, and the freed bytes of the data area
  CHECK((*d)->offset == gap->offset);
  CHECK(shoal::segment_table::validate(seg.base(), seg.size).ok());
}

TEST_CASE("a large segment holds thousands of values, each found by name") {
  fake_segment seg(std::size_t{12} << 20);
  shoal::segment_table t(seg.base());
  REQUIRE(t.header().entry_capacity == 6144);
  const auto& q = *shoal::find_typecode('q');
  for (int i = 0; i < 5000; ++i)
    REQUIRE(t.create("v" + std::to_string(i), q, layout::kind_value, zeros(1)).ok());
  for (int i = 0; i < 5000; i += 499) {
    const layout::entry* e = t.find("v" + std::to_string(i));
    REQUIRE(e != nullptr);
    CHECK(std::string(e->name) == "v" + std::to_string(i));
  }
  CHECK(t.entries().size() == 5000);
  CHECK(shoal::segment_table::validate(seg.base(), seg.size).ok());
}

TEST_CASE("validation refuses a wrong magic, version, size or a corrupt entry") {
  fake_segment seg(4096);
  shoal::segment_table t(seg.base());
  REQUIRE(t.create("x", *shoal::find_typecode('i'), layout::kind_value, zeros(1)).ok());
  CHECK_FALSE(shoal::segment_table::validate(seg.base(), 8192).ok());
  auto* h = reinterpret_cast<layout::header*>(seg.base());
  h->version = 99;
  CHECK_FALSE(shoal::segment_table::validate(seg.base(), seg.size).ok());
  h->version = layout::version;
  auto* e = reinterpret_cast<layout::entry*>(seg.base() + layout::entry_table_offset);
  e->offset = 4096 - 4;  // runs past the end
  CHECK_FALSE(shoal::segment_table::validate(seg.base(), seg.size).ok());
  e->offset = h->data_offset;
  CHECK(shoal::segment_table::validate(seg.base(), seg.size).ok());
  h->magic = 0;
  CHECK_FALSE(shoal::segment_table::validate(seg.base(), seg.size).ok());
}

TEST_CASE("the lock record tells exactly one acquirer that the previous owner died") {
  fake_segment seg(4096);
  auto& h = reinterpret_cast<layout::header*>(seg.base())->lock;
  CHECK_FALSE(shoal::lock_record::note_acquired(h, 100));
  CHECK(shoal::lock_record::owner(h) == 100);
  CHECK_FALSE(shoal::lock_record::clear_owner(h, 200));  // not the holder: nothing changes
  CHECK(shoal::lock_record::owner(h) == 100);
  CHECK(shoal::lock_record::clear_owner(h, 100));
  shoal::lock_record::mark_owner_died(h);
  CHECK(shoal::lock_record::note_acquired(h, 300));
  CHECK(shoal::lock_record::clear_owner(h, 300));
  CHECK_FALSE(shoal::lock_record::note_acquired(h, 400));
  CHECK(shoal::lock_record::sequence(h) == 3);
}

TEST_CASE("a named lock's entry holds a free record, validates, and is not a value") {
  fake_segment seg(4096);
  shoal::segment_table t(seg.base());
  auto lock = t.create_lock("jobs");
  REQUIRE(lock.ok());
  CHECK((*lock)->kind == layout::kind_lock);
  CHECK((*lock)->capacity >= sizeof(layout::lock_state));
  auto& state = t.lock_state_of(**lock);
  CHECK(shoal::lock_record::owner(state) == 0);
  CHECK_FALSE(shoal::lock_record::note_acquired(state, 100));
  CHECK(shoal::segment_table::validate(seg.base(), seg.size).ok());
  CHECK(t.create_lock("jobs").error().code() == errc::already_exists);
  CHECK(t.create("jobs", *shoal::find_typecode('i'), layout::kind_value, zeros(1)).error().code() ==
        errc::already_exists);
  // A lock entry with a typecode, or with more than one record, is corrupt.
  auto* e = const_cast<layout::entry*>(*lock);
  e->typecode = 'i';
  CHECK_FALSE(shoal::segment_table::validate(seg.base(), seg.size).ok());
  e->typecode = 0;
  e->length = 2;
  CHECK_FALSE(shoal::segment_table::validate(seg.base(), seg.size).ok());
}

TEST_CASE("C++ types match the typecodes of their size and signedness") {
  CHECK(shoal::holds_typecode<std::int32_t>('i'));
  CHECK_FALSE(shoal::holds_typecode<std::uint32_t>('i'));
  CHECK(shoal::holds_typecode<std::int64_t>('q'));
  CHECK(shoal::holds_typecode<std::int64_t>('l'));
  CHECK(shoal::holds_typecode<std::uint8_t>('B'));
  CHECK(shoal::holds_typecode<char>('c'));
  CHECK(shoal::holds_typecode<double>('d'));
  CHECK_FALSE(shoal::holds_typecode<float>('d'));
}

TEST_CASE("an array created zeroed reads as zeros even where an earlier entry left bytes") {
  fake_segment seg(8192);
  shoal::segment_table t(seg.base());
  const auto& q = *shoal::find_typecode('q');
  auto first = t.create("first", q, layout::kind_array, std::vector<shoal::element_bits>(4, ~0ull));
  REQUIRE(first.ok());
  t.remove(*first);
  auto zeroed = t.create_zeroed("zeroed", q, layout::kind_array, 4);
  REQUIRE(zeroed.ok());
  CHECK((*zeroed)->offset == (*first)->offset);
  CHECK((*zeroed)->length == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t v = 1;
    std::memcpy(&v, t.element(**zeroed, i), sizeof v);
    CHECK(v == 0);
  }
  CHECK(t.create_zeroed("zeroed", q, layout::kind_array, 1).error().code() == errc::already_exists);
}
