#include "daemon/segment_table.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <utility>

#include "common/names.hpp"

namespace shoal {
namespace {

std::uint32_t load_state(const layout::entry& e) {
  return std::atomic_ref(const_cast<layout::entry&>(e).state).load(std::memory_order_acquire);
}

std::string_view name_of(const layout::entry& e) {
  return {e.name, strnlen(e.name, layout::name_capacity)};
}

std::uint64_t round_up(std::uint64_t n, std::uint64_t to) { return (n + to - 1) / to * to; }

}  // namespace

void segment_table::format(std::byte* base, std::size_t size) {
  std::memset(base, 0, layout::header_size);
  auto& h = *reinterpret_cast<layout::header*>(base);
  h.version = layout::version;
  h.header_size = layout::header_size;
  h.size = size;
  h.entry_capacity = layout::entry_capacity_for(size);
  h.entry_size = layout::entry_size;
  h.data_offset = layout::data_offset_for(h.entry_capacity);
  // A reader that sees the magic sees everything above.
  std::atomic_ref(h.magic).store(layout::magic, std::memory_order_release);
}

status segment_table::validate(const std::byte* base, std::size_t size) {
  auto bad = [](std::string why) { return status{errc::internal, std::move(why)}; };
  if (size < layout::header_size) return bad("it is smaller than a header");
  const auto& h = *reinterpret_cast<const layout::header*>(base);
  if (h.magic != layout::magic) return bad("it does not start with Shoal's magic number");
  if (h.version != layout::version)
    return bad("its layout version is " + std::to_string(h.version) + ", this daemon reads " +
               std::to_string(layout::version));
  if (h.header_size != layout::header_size || h.entry_size != layout::entry_size)
    return bad("its header or entry size does not match this layout");
  if (h.size != size)
    return bad("its header says " + std::to_string(h.size) + " bytes but it has " +
               std::to_string(size));
  if (h.entry_capacity == 0 || h.data_offset != layout::data_offset_for(h.entry_capacity) ||
      h.data_offset > size)
    return bad("its entry table does not fit");
  std::vector<std::pair<std::uint64_t, std::uint64_t>> used;
  std::vector<std::string_view> names;
  for (std::uint32_t i = 0; i < h.entry_capacity; ++i) {
    const auto& e = *reinterpret_cast<const layout::entry*>(base + layout::entry_table_offset +
                                                            std::size_t{i} * layout::entry_size);
    if (e.state == layout::entry_free) continue;
    std::string where = "entry " + std::to_string(i);
    if (e.state != layout::entry_ready) return bad(where + " has an unknown state");
    auto name = name_of(e);
    if (name.size() == layout::name_capacity || !is_valid_name(name))
      return bad(where + " has an invalid name");
    std::size_t width = e.kind == layout::kind_lock ? sizeof(layout::lock_state)
                                                    : layout::typecode_size(e.typecode);
    if (e.kind == layout::kind_lock ? e.typecode != 0 : width == 0)
      return bad(where + " ('" + std::string(name) + "') has an unknown typecode");
    if ((e.kind != layout::kind_value && e.kind != layout::kind_array &&
         e.kind != layout::kind_lock) ||
        (e.kind != layout::kind_array && e.length != 1) || e.length == 0 || e.length > size / width)
      return bad(where + " ('" + std::string(name) + "') has an invalid kind or length");
    if (e.offset % layout::data_alignment != 0 || e.offset < h.data_offset ||
        e.capacity < e.length * width || e.capacity > size || e.offset > size - e.capacity)
      return bad(where + " ('" + std::string(name) + "') points outside the data area");
    used.emplace_back(e.offset, e.capacity);
    names.push_back(name);
  }
  std::sort(used.begin(), used.end());
  for (std::size_t i = 1; i < used.size(); ++i)
    if (used[i - 1].first + used[i - 1].second > used[i].first)
      return bad("two entries overlap in the data area");
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end())
    return bad("two entries have the same name");
  return {};
}

segment_table::segment_table(std::byte* base) : base_(base) {
  auto& h = header();
  for (std::uint32_t i = h.entry_capacity; i-- > 0;) {
    const layout::entry* e = slot(i);
    if (load_state(*e) != layout::entry_ready) {
      free_slots_.push_back(i);
      continue;
    }
    by_name_.emplace(std::string(name_of(*e)), i);
    allocations_.emplace(e->offset, e->capacity);
  }
}

segment_table segment_table::formatted(std::byte* base) {
  segment_table t;
  t.base_ = base;
  t.free_slots_.resize(t.header().entry_capacity);
  // Highest first, as the scan leaves them: the lowest free slot is taken first.
  for (std::uint32_t i = 0; i < t.free_slots_.size(); ++i)
    t.free_slots_[i] = static_cast<std::uint32_t>(t.free_slots_.size()) - 1 - i;
  return t;
}

const layout::entry* segment_table::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : slot(it->second);
}

result<const layout::entry*> segment_table::create(std::string_view name, const typecode_info& type,
                                                   std::uint8_t kind,
                                                   const std::vector<element_bits>& initial) {
  auto slot_ptr = allocate(name, kind, type.code, initial.size(), initial.size() * type.size);
  if (!slot_ptr) return slot_ptr.error();
  layout::entry* e = *slot_ptr;
  for (std::size_t i = 0; i < initial.size(); ++i) store_element(type, element(*e, i), initial[i]);
  return publish(e);
}

result<const layout::entry*> segment_table::create_zeroed(std::string_view name,
                                                          const typecode_info& type,
                                                          std::uint8_t kind, std::uint64_t length) {
  auto slot_ptr = allocate(name, kind, type.code, length, length * type.size);
  if (!slot_ptr) return slot_ptr.error();
  return publish(*slot_ptr);
}

result<const layout::entry*> segment_table::create_lock(std::string_view name) {
  auto slot_ptr = allocate(name, layout::kind_lock, 0, 1, sizeof(layout::lock_state));
  if (!slot_ptr) return slot_ptr.error();
  return publish(*slot_ptr);
}

layout::lock_state& segment_table::lock_state_of(const layout::entry& e) {
  return *reinterpret_cast<layout::lock_state*>(base_ + e.offset);
}

const layout::entry* segment_table::publish(layout::entry* e) {
  std::atomic_ref(e->state).store(layout::entry_ready, std::memory_order_release);
  std::atomic_ref(header().generation).fetch_add(1);
  return e;
}

result<layout::entry*> segment_table::allocate(std::string_view name, std::uint8_t kind,
                                               char typecode, std::uint64_t length,
                                               std::uint64_t bytes) {
  auto& h = header();
  if (find(name)) return status{errc::already_exists, "'" + std::string(name) + "' already exists"};
  if (free_slots_.empty())
    return status{errc::no_space, "cannot create '" + std::string(name) + "': all " +
                                      std::to_string(h.entry_capacity) +
                                      " entries of the shared segment are in use"};
  std::uint64_t need = round_up(std::max<std::uint64_t>(bytes, 1), layout::data_alignment);
  // First fit between the allocations, in offset order.
  std::uint64_t at = h.data_offset;
  bool found = false;
  for (const auto& [offset, capacity] : allocations_) {
    if (offset >= at && offset - at >= need) {
      found = true;
      break;
    }
    at = std::max(at, offset + capacity);
  }
  if (!found && (at > h.size || h.size - at < need))
    return status{errc::no_space, "cannot create '" + std::string(name) +
                                      "': the shared segment has no " + std::to_string(need) +
                                      " free bytes left (size it with --shm-size)"};
  std::uint32_t index = free_slots_.back();
  free_slots_.pop_back();
  layout::entry* free_slot = slot(index);
  std::memset(free_slot, 0, sizeof(layout::entry));
  std::memcpy(free_slot->name, name.data(), name.size());
  free_slot->typecode = typecode;
  free_slot->kind = kind;
  free_slot->length = length;
  free_slot->offset = at;
  free_slot->capacity = need;
  std::memset(base_ + at, 0, need);
  by_name_.emplace(std::string(name), index);
  allocations_.emplace(at, need);
  return free_slot;
}

void segment_table::remove(const layout::entry* e) {
  auto* slot_ptr = const_cast<layout::entry*>(e);
  by_name_.erase(std::string(name_of(*e)));
  allocations_.erase(e->offset);
  std::atomic_ref(slot_ptr->state).store(layout::entry_free, std::memory_order_release);
  std::atomic_ref(header().generation).fetch_add(1);
  // `e` is one of this table's slots, so it lies past the start of the segment.
  auto offset = static_cast<std::size_t>(reinterpret_cast<std::byte*>(slot_ptr) - base_);
  auto index =
      static_cast<std::uint32_t>((offset - layout::entry_table_offset) / layout::entry_size);
  // The lowest free slot stays last, as at start-up.
  free_slots_.insert(
      std::upper_bound(free_slots_.begin(), free_slots_.end(), index, std::greater<>()), index);
}

std::vector<const layout::entry*> segment_table::entries() const {
  // From the index, not the slots: a scan would make every page of the table resident.
  std::vector<const layout::entry*> out;
  out.reserve(by_name_.size());
  for (const auto& [name, index] : by_name_) out.push_back(slot(index));
  std::sort(out.begin(), out.end(), [](const layout::entry* a, const layout::entry* b) {
    return name_of(*a) < name_of(*b);
  });
  return out;
}

}  // namespace shoal
