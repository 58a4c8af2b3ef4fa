#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>

#include "daemon/output_journal.hpp"

using namespace shoal;

namespace {

output_journal::clock::time_point at(int second) {
  return output_journal::clock::time_point{std::chrono::seconds(1795542900 + second)};
}

}  // namespace

TEST_CASE("past its bound the journal forgets the oldest arrivals of either stream") {
  output_journal journal(100);
  // 1,000 pieces of 10 bytes, alternating streams: far more than the bound, so the oldest are
  // dropped many times over.
  for (int i = 0; i < 1000; ++i) {
    auto offset = static_cast<std::uint64_t>(i / 2) * 10;
    journal.record(i % 2, offset, offset + 10, at(i));
  }
  CHECK(journal.size() == 100);
  // The newest 100 (i = 900..999) are known, each with its own time and order.
  for (int i = 900; i < 1000; ++i) {
    auto offset = static_cast<std::uint64_t>(i / 2) * 10;
    auto a = journal.arrival_of(i % 2, offset + 3);
    CHECK(a.order == static_cast<std::uint64_t>(i + 1));
    REQUIRE(a.at.has_value());
    CHECK(*a.at == at(i));
  }
  // Older ones are unknown, not wrong.
  CHECK(journal.arrival_of(0, 0).order == 0);
  CHECK_FALSE(journal.arrival_of(1, 4400).at.has_value());
}

TEST_CASE("bytes rotated off disk take their arrivals with them, and new ones still count") {
  output_journal journal;
  for (std::uint64_t i = 0; i < 500; ++i) journal.record(0, i * 4, i * 4 + 4, at(1));
  journal.forget_before(0, 1000);  // the first 250 pieces are gone
  CHECK(journal.size() == 250);
  CHECK(journal.arrival_of(0, 999).order == 0);
  CHECK(journal.arrival_of(0, 1000).order == 251);
  journal.forget_before(0, 2000);  // all of them
  CHECK(journal.size() == 0);
  CHECK(journal.arrival_of(0, 1999).order == 0);
  journal.record(0, 2000, 2010, at(2));
  CHECK(journal.size() == 1);
  CHECK(journal.arrival_of(0, 2005).order == 501);
  CHECK(journal.arrival_of(1, 0).order == 0);
}
