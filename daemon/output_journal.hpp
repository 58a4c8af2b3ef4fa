// When each piece of a process's output arrived, and in which order across its two streams:
// what `logs` needs to interleave stdout and stderr line by line as the daemon received them,
// and to say when each line was written. The bytes themselves live in the log files
// (rotating_log); this keeps only (stream, offsets, time, order) per read from a pipe.
//
// Bounded: a record is dropped once its bytes have been rotated off disk, and beyond
// `max_records` the oldest go first, so a chatty process costs at most max_records × 40 bytes.
// Bytes older than every record (and everything written before this daemon started) have
// no known time; they sort before all known ones, stdout first.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace shoal {

class output_journal {
 public:
  using clock = std::chrono::system_clock;
  static constexpr std::size_t default_max_records = 16384;

  explicit output_journal(std::size_t max_records = default_max_records)
      : max_records_(max_records) {}

  // Bytes [begin, end) of `stream` (0 stdout, 1 stderr) arrived at `at`.
  void record(int stream, std::uint64_t begin, std::uint64_t end, clock::time_point at);
  // Bytes of `stream` before `oldest` are gone from disk.
  void forget_before(int stream, std::uint64_t oldest);

  struct arrival {
    std::uint64_t order = 0;  // 0: unknown (older than every record)
    std::optional<clock::time_point> at;
  };
  // When byte `offset` of `stream` arrived, and its place in the order of all arrivals.
  arrival arrival_of(int stream, std::uint64_t offset) const;

  std::size_t size() const { return records_[0].size() + records_[1].size(); }

 private:
  struct entry {
    std::uint64_t order;
    std::uint64_t begin, end;
    clock::time_point at;
  };
  // One stream's records, in arrival order, so also in offset order: found by binary search.
  // A vector whose front is dropped by moving `head`, and compacted once half of it is
  // dropped: unlike a deque, a process that wrote little (most of the exited records a daemon
  // keeps) costs a few dozen bytes here, not two blocks.
  class stream_records {
   public:
    bool empty() const { return head_ == items_.size(); }
    std::size_t size() const { return items_.size() - head_; }
    const entry& front() const { return items_[head_]; }
    auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
    auto end() const { return items_.end(); }
    void push_back(const entry& e) { items_.push_back(e); }
    void pop_front();

   private:
    std::vector<entry> items_;
    std::size_t head_ = 0;  // items_[0, head_) are dropped
  };
  std::array<stream_records, 2> records_;
  std::size_t max_records_;
  std::uint64_t next_order_ = 1;
};

}  // namespace shoal
