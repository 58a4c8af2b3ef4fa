#include "daemon/output_journal.hpp"

#include <algorithm>

namespace shoal {

void output_journal::stream_records::pop_front() {
  ++head_;
  if (head_ == items_.size()) {
    items_.clear();
    head_ = 0;
    if (items_.capacity() > 64) items_.shrink_to_fit();
  } else if (head_ >= 64 && head_ * 2 >= items_.size()) {
    items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
    // A burst of output leaves no capacity behind once the journal has drained.
    if (items_.capacity() > 4 * items_.size()) items_.shrink_to_fit();
  }
}

void output_journal::record(int stream, std::uint64_t begin, std::uint64_t end,
                            clock::time_point at) {
  if (end <= begin || stream < 0 || stream > 1) return;
  records_[static_cast<std::size_t>(stream)].push_back({next_order_++, begin, end, at});
  while (size() > max_records_) {
    auto& out = records_[0];
    auto& err = records_[1];
    // The oldest record of the two goes first.
    if (err.empty() || (!out.empty() && out.front().order < err.front().order))
      out.pop_front();
    else
      err.pop_front();
  }
}

void output_journal::forget_before(int stream, std::uint64_t oldest) {
  if (stream < 0 || stream > 1) return;
  auto& r = records_[static_cast<std::size_t>(stream)];
  while (!r.empty() && r.front().end <= oldest) r.pop_front();
}

output_journal::arrival output_journal::arrival_of(int stream, std::uint64_t offset) const {
  if (stream < 0 || stream > 1) return {};
  const auto& r = records_[static_cast<std::size_t>(stream)];
  // The first record that ends past `offset`; it holds the byte when it also begins before.
  auto it = std::upper_bound(r.begin(), r.end(), offset,
                             [](std::uint64_t off, const entry& e) { return off < e.end; });
  if (it == r.end() || offset < it->begin) return {};
  return {it->order, it->at};
}

}  // namespace shoal
