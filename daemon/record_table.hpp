// The supervisor's records by name, in natural order (w-2 before w-10), the order `status`
// lists them in. The order is also kept as a vector, rebuilt by the first listing after a
// record came or went: a `status` of 10,000 live processes spent 15% of its time walking the
// tree, a cache miss per node, and a live table changes far less often than it is listed.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/natural_order.hpp"
#include "daemon/process_record.hpp"

namespace shoal {

class record_table {
 public:
  using map = std::map<std::string, std::unique_ptr<process_record>, natural_order>;
  using iterator = map::iterator;
  using const_iterator = map::const_iterator;

  iterator begin() { return map_.begin(); }
  iterator end() { return map_.end(); }
  const_iterator begin() const { return map_.begin(); }
  const_iterator end() const { return map_.end(); }
  std::size_t size() const { return map_.size(); }
  iterator find(const std::string& name) { return map_.find(name); }
  const_iterator find(const std::string& name) const { return map_.find(name); }
  bool contains(const std::string& name) const { return map_.count(name) != 0; }

  // Replaces a record of that name.
  process_record& put(const std::string& name, std::unique_ptr<process_record> r) {
    auto& slot = map_[name];
    slot = std::move(r);
    order_stale_ = true;
    return *slot;
  }
  void erase(iterator it) {
    map_.erase(it);
    order_stale_ = true;
  }

  // Every record, in natural order of names.
  std::vector<const process_record*> in_order() const {
    if (order_stale_) {
      order_.clear();
      order_.reserve(map_.size());
      for (const auto& [name, r] : map_) order_.push_back(r.get());
      order_stale_ = false;
    }
    return order_;
  }

 private:
  map map_;
  mutable std::vector<const process_record*> order_;
  mutable bool order_stale_ = true;
};

}  // namespace shoal
