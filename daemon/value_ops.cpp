#include "daemon/value_ops.hpp"

#include <charconv>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "daemon/fields.hpp"
#include "daemon/log.hpp"
#include "shoal/lock_names.hpp"

namespace shoal {
namespace {

// What the value ops work on; the daemon's shared_state owns all three.
struct value_store {
  segment_table& table;
  lock_table& locks;  // value_add and value_cas hold one of them: the daemon's own by default
  event_log* events;  // may be null
};

std::string name_of(const layout::entry& e) {
  return {e.name, strnlen(e.name, layout::name_capacity)};
}

result<const typecode_info*> required_typecode(const json& body) {
  auto text = required_string(body, "typecode");
  if (!text) return text.error();
  const typecode_info* type = find_typecode(*text);
  if (!type)
    return status{errc::bad_request,
                  "unknown typecode '" + *text + "': use one of " + std::string(layout::typecodes)};
  return type;
}

std::string a_kind(std::uint8_t kind) {
  switch (kind) {
    case layout::kind_value:
      return "a value";
    case layout::kind_array:
      return "an array";
    default:
      return "a lock";
  }
}

// The entry of that name and kind (what the op works on).
result<const layout::entry*> lookup(segment_table& table, const std::string& name,
                                    std::uint8_t kind) {
  const layout::entry* e = table.find(name);
  const char* want = kind == layout::kind_value ? "value" : "array";
  if (!e) return status{errc::not_found, std::string("no ") + want + " named '" + name + "'"};
  if (e->kind != kind)
    return status{errc::invalid_state,
                  "'" + name + "' is " + a_kind(e->kind) + ", not " + a_kind(kind)};
  return e;
}

// The entry the request's 'name' field names, if it is of that kind: what every op on an
// existing value or array begins with.
result<const layout::entry*> named_entry(segment_table& table, const json& body,
                                         std::uint8_t kind) {
  auto name = required_name(body, "name");
  if (!name) return name.error();
  return lookup(table, *name, kind);
}

const json* required_field(const json& body, const char* field, const responder& reply) {
  auto it = body.find(field);
  if (it != body.end()) return &*it;
  reply.fail(errc::bad_request, "missing field '" + std::string(field) + "'");
  return nullptr;
}

json value_json(segment_table& table, const layout::entry& e) {
  const typecode_info& type = *find_typecode(e.typecode);
  return json{{"name", name_of(e)},
              {"typecode", std::string(1, e.typecode)},
              {"value", decode_element(type, load_element(type, table.element(e, 0)))}};
}

// Whole arrays are written as text, element by element: as a json tree every element would
// cost 16 bytes or more while the reply is built, whatever its typecode. Returns false, with
// `out` cut short, once `out` passes `limit` bytes.
bool append_values(std::string& out, segment_table& table, const layout::entry& e,
                   std::size_t limit) {
  const typecode_info& type = *find_typecode(e.typecode);
  out += '[';
  for (std::uint64_t i = 0; i < e.length; ++i) {
    if (i > 0) out += ',';
    const json v = decode_element(type, load_element(type, table.element(e, i)));
    // Integers, most arrays' elements, skip json's serializer: it costs a buffer and an
    // output adapter per call, which made a 4 MiB array of bytes take seconds to answer.
    if (v.is_number_integer()) {
      char digits[24];
      auto written = v.is_number_unsigned()
                         ? std::to_chars(digits, std::end(digits), v.get<std::uint64_t>())
                         : std::to_chars(digits, std::end(digits), v.get<std::int64_t>());
      out.append(digits, written.ptr);
    } else {
      out += v.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    if (out.size() > limit) return false;
  }
  out += ']';
  return true;
}

// {"kind"?, "length", "name", "typecode", "values"} of an array, as text: the members in the
// order a json object writes them, so the reply reads as any other.
bool append_array(std::string& out, segment_table& table, const layout::entry& e, bool with_kind,
                  std::size_t limit) {
  out += with_kind ? "{\"kind\":\"array\",\"length\":" : "{\"length\":";
  out += std::to_string(e.length);
  out += ",\"name\":" + json(name_of(e)).dump() +
         ",\"typecode\":" + json(std::string(1, e.typecode)).dump() + ",\"values\":";
  if (!append_values(out, table, e, limit)) return false;
  out += '}';
  return true;
}

// Answers a whole array (array_get, array_create), or too_large past the reply limit.
void reply_array(const responder& reply, segment_table& table, const layout::entry& e) {
  std::string out;
  if (!append_array(out, table, e, false, reply.max_reply_bytes()))
    return reply.fail(oversized_reply(reply.max_reply_bytes()));
  reply.ok_text(std::move(out));
}

result<std::uint64_t> required_index(const json& body, const layout::entry& e) {
  auto index = optional_integer(body, "index");
  if (!index) return index.error();
  if (!*index) return status{errc::bad_request, "missing field 'index'"};
  long long i = **index;
  if (i < 0 || static_cast<std::uint64_t>(i) >= e.length)
    return status{errc::out_of_range, "index " + std::to_string(i) + " is past the end of '" +
                                          name_of(e) + "' (length " + std::to_string(e.length) +
                                          ")"};
  return static_cast<std::uint64_t>(i);
}

// Runs `fn` under `keeper`'s lock on behalf of the request's owner (field 'owner', else the
// peer): at once when that process holds the lock already, else when the lock is free, or
// answers `timeout` when the request's deadline passes first.
void under_lock(lock_keeper& keeper, const json& body, const responder& reply,
                std::function<void()> fn) {
  lock_keeper::waiter w;
  auto owner = owner_field(body, reply.from().pid);
  if (!owner) return reply.fail(owner.error());
  auto timeout = optional_seconds(body, "timeout");
  if (!timeout) return reply.fail(timeout.error());
  w.session = reply.from().session;
  if (*timeout)
    w.deadline =
        lock_keeper::clock::now() + std::chrono::duration_cast<lock_keeper::clock::duration>(
                                        std::chrono::duration<double>(**timeout));
  w.granted = std::move(fn);
  w.expired = [reply] {
    reply.fail(errc::timeout, "the lock stayed held until the timeout; nothing was changed");
  };
  keeper.run_locked(std::move(w), *owner, reply.from().pid);
}

// under_lock, for an update of the value named `name`: `fn` gets the entry as it is once the
// lock is held, since it may have been deleted while the request waited.
void update_value(const value_store& v, const json& body, const responder& reply, std::string name,
                  std::function<void(const layout::entry&)> fn) {
  // Field 'lock': a named lock to hold instead of the daemon's own, so that an update excludes
  // the programs that guard this value with that lock (a Python Value's is NAME.lock).
  auto which = optional_name(body, "lock");
  if (!which) return reply.fail(which.error());
  auto lock = v.locks.find(which->value_or(std::string(default_lock_name)));
  if (!lock) return reply.fail(lock.error());
  under_lock(*lock->keeper, body, reply,
             [&table = v.table, reply, name = std::move(name), fn = std::move(fn)] {
               auto e = lookup(table, name, layout::kind_value);
               if (!e) return reply.fail(e.error());
               fn(**e);
             });
}

// {"kind", "length", "name", "typecode", "value" | "values"} of one entry, for value_list.
bool append_entry(std::string& out, segment_table& table, const layout::entry& e,
                  std::size_t limit) {
  if (e.kind != layout::kind_value) return append_array(out, table, e, true, limit);
  json value{{"name", name_of(e)},
             {"kind", "value"},
             {"typecode", std::string(1, e.typecode)},
             {"length", e.length},
             {"value", value_json(table, e)["value"]}};
  out += value.dump(-1, ' ', false, json::error_handler_t::replace);
  return out.size() <= limit;
}

void handle_value_create(const value_store& v, const json& body, const responder& reply) {
  segment_table& table = v.table;
  event_log* events = v.events;
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto type = required_typecode(body);
  if (!type) return reply.fail(type.error());
  element_bits bits = 0;
  if (auto it = body.find("value"); it != body.end() && !it->is_null()) {
    auto encoded = encode_element(**type, *it);
    if (!encoded) return reply.fail(encoded.error());
    bits = *encoded;
  }
  auto created = table.create(*name, **type, layout::kind_value, {bits});
  if (!created) return reply.fail(created.error());
  log::info("value '{}' created with typecode '{}'", *name, (*type)->code);
  if (events)
    events->publish("value_created", *name,
                    {{"kind", "value"}, {"typecode", std::string(1, (*type)->code)}});
  reply.ok(value_json(table, **created));
}

void handle_value_get(const value_store& v, const json& body, const responder& reply) {
  auto e = named_entry(v.table, body, layout::kind_value);
  if (!e) return reply.fail(e.error());
  reply.ok(value_json(v.table, **e));
}

void handle_value_set(const value_store& v, const json& body, const responder& reply) {
  auto e = named_entry(v.table, body, layout::kind_value);
  if (!e) return reply.fail(e.error());
  const json* value = required_field(body, "value", reply);
  if (!value) return;
  const typecode_info& type = *find_typecode((*e)->typecode);
  auto bits = encode_element(type, *value);
  if (!bits) return reply.fail(bits.error());
  store_element(type, v.table.element(**e, 0), *bits);
  reply.ok(value_json(v.table, **e));
}

void handle_value_add(const value_store& v, const json& body, const responder& reply) {
  auto e = named_entry(v.table, body, layout::kind_value);
  if (!e) return reply.fail(e.error());
  const json* delta = required_field(body, "delta", reply);
  if (!delta) return;
  // A delta of the wrong type never fits: refuse it before waiting for the lock.
  if (auto probe = add_elements(*find_typecode((*e)->typecode), 0, *delta);
      !probe && probe.error().code() == errc::wrong_type)
    return reply.fail(probe.error());
  update_value(v, body, reply, name_of(**e),
               [&table = v.table, reply, delta = *delta](const layout::entry& now) {
                 const typecode_info& type = *find_typecode(now.typecode);
                 void* at = table.element(now, 0);
                 auto sum = add_elements(type, load_element(type, at), delta);
                 if (!sum) return reply.fail(sum.error());
                 store_element(type, at, *sum);
                 reply.ok(value_json(table, now));
               });
}

void handle_value_cas(const value_store& v, const json& body, const responder& reply) {
  auto e = named_entry(v.table, body, layout::kind_value);
  if (!e) return reply.fail(e.error());
  const json* expected_field = required_field(body, "expected", reply);
  if (!expected_field) return;
  const json* new_field = required_field(body, "new", reply);
  if (!new_field) return;
  const typecode_info& type = *find_typecode((*e)->typecode);
  auto expected = encode_element(type, *expected_field, "expected");
  if (!expected) return reply.fail(expected.error());
  auto replacement = encode_element(type, *new_field, "new");
  if (!replacement) return reply.fail(replacement.error());
  update_value(v, body, reply, name_of(**e),
               [&table = v.table, reply, expected = *expected, replacement = *replacement,
                type = &type](const layout::entry& now) {
                 // The operands were encoded for this typecode; another one reads them wrong.
                 if (now.typecode != type->code)
                   return reply.fail(errc::invalid_state, "'" + name_of(now) +
                                                              "' was replaced while waiting "
                                                              "for the lock");
                 void* at = table.element(now, 0);
                 bool swapped = elements_equal(*type, load_element(*type, at), expected);
                 if (swapped) store_element(*type, at, replacement);
                 json out = value_json(table, now);
                 out["swapped"] = swapped;
                 reply.ok(std::move(out));
               });
}

void handle_value_list(const value_store& v, const json&, const responder& reply) {
  segment_table& table = v.table;
  std::string out = "{\"entries\":[";
  bool first = true;
  for (const layout::entry* e : table.entries()) {
    if (e->kind == layout::kind_lock) continue;
    if (!first) out += ',';
    first = false;
    if (!append_entry(out, table, *e, reply.max_reply_bytes()))
      return reply.fail(oversized_reply(reply.max_reply_bytes()));
  }
  out += "]}";
  reply.ok_text(std::move(out));
}

void handle_array_create(const value_store& v, const json& body, const responder& reply) {
  segment_table& table = v.table;
  event_log* events = v.events;
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto type = required_typecode(body);
  if (!type) return reply.fail(type.error());
  auto length = optional_integer(body, "length");
  if (!length) return reply.fail(length.error());
  if (!*length) return reply.fail(errc::bad_request, "missing field 'length'");
  const auto& h = table.header();
  std::uint64_t most = (h.size - h.data_offset) / (*type)->size;
  if (**length < 1)
    return reply.fail(errc::out_of_range,
                      "length " + std::to_string(**length) + " is not 1 or more");
  const auto count = static_cast<std::uint64_t>(**length);
  if (count > most)
    return reply.fail(errc::no_space, "cannot create '" + *name + "': " + std::to_string(**length) +
                                          " elements of typecode '" +
                                          std::string(1, (*type)->code) +
                                          "' do not fit in the shared segment (at most " +
                                          std::to_string(most) + ")");
  // Given values are at most what a request line holds; zeros are never built in memory.
  std::vector<element_bits> initial;
  if (auto it = body.find("values"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return reply.fail(errc::bad_request, "field 'values' must be an array");
    if (it->size() != count)
      return reply.fail(errc::bad_request, "field 'values' has " + std::to_string(it->size()) +
                                               " elements but 'length' is " +
                                               std::to_string(**length));
    initial.resize(it->size());
    for (std::size_t i = 0; i < initial.size(); ++i) {
      auto bits = encode_element(**type, (*it)[i], "values[" + std::to_string(i) + "]");
      if (!bits) return reply.fail(bits.error());
      initial[i] = *bits;
    }
  }
  auto created = initial.empty() ? table.create_zeroed(*name, **type, layout::kind_array, count)
                                 : table.create(*name, **type, layout::kind_array, initial);
  if (!created) return reply.fail(created.error());
  log::info("array '{}' created with typecode '{}' and length {}", *name, (*type)->code, **length);
  if (events)
    events->publish("value_created", *name,
                    {{"kind", "array"}, {"typecode", std::string(1, (*type)->code)}});
  reply_array(reply, table, **created);
}

void handle_array_get(const value_store& v, const json& body, const responder& reply) {
  auto e = named_entry(v.table, body, layout::kind_array);
  if (!e) return reply.fail(e.error());
  if (auto it = body.find("index"); it == body.end() || it->is_null())
    return reply_array(reply, v.table, **e);
  auto index = required_index(body, **e);
  if (!index) return reply.fail(index.error());
  const typecode_info& type = *find_typecode((*e)->typecode);
  reply.ok(json{{"name", name_of(**e)},
                {"typecode", std::string(1, type.code)},
                {"index", *index},
                {"value", decode_element(type, load_element(type, v.table.element(**e, *index)))}});
}

void handle_array_set(const value_store& v, const json& body, const responder& reply) {
  auto e = named_entry(v.table, body, layout::kind_array);
  if (!e) return reply.fail(e.error());
  auto index = required_index(body, **e);
  if (!index) return reply.fail(index.error());
  const json* value = required_field(body, "value", reply);
  if (!value) return;
  const typecode_info& type = *find_typecode((*e)->typecode);
  auto bits = encode_element(type, *value);
  if (!bits) return reply.fail(bits.error());
  void* at = v.table.element(**e, *index);
  store_element(type, at, *bits);
  reply.ok(json{{"name", name_of(**e)},
                {"typecode", std::string(1, type.code)},
                {"index", *index},
                {"value", decode_element(type, load_element(type, at))}});
}

// value_delete and array_delete: the entry of that name, if it is of that kind.
void delete_entry(const value_store& v, std::uint8_t kind, const json& body,
                  const responder& reply) {
  auto e = named_entry(v.table, body, kind);
  if (!e) return reply.fail(e.error());
  const std::string name = name_of(**e);
  const std::string typecode(1, (*e)->typecode);
  const char* what = kind == layout::kind_value ? "value" : "array";
  v.table.remove(*e);
  log::info("{} '{}' deleted", what, name);
  if (v.events) v.events->publish("value_deleted", name, {{"kind", what}, {"typecode", typecode}});
  reply.ok(json{{"deleted", name}});
}

void handle_value_delete(const value_store& v, const json& body, const responder& reply) {
  delete_entry(v, layout::kind_value, body, reply);
}

void handle_array_delete(const value_store& v, const json& body, const responder& reply) {
  delete_entry(v, layout::kind_array, body, reply);
}

}  // namespace

void register_value_ops(dispatcher& d, segment_table& table, lock_table& locks, event_log* events) {
  const value_store v{table, locks, events};
  d.add("value_create", [v](const json& b, const responder& r) { handle_value_create(v, b, r); });
  d.add("value_get", [v](const json& b, const responder& r) { handle_value_get(v, b, r); });
  d.add("value_set", [v](const json& b, const responder& r) { handle_value_set(v, b, r); });
  d.add("value_add", [v](const json& b, const responder& r) { handle_value_add(v, b, r); });
  d.add("value_cas", [v](const json& b, const responder& r) { handle_value_cas(v, b, r); });
  d.add("value_list", [v](const json& b, const responder& r) { handle_value_list(v, b, r); });
  d.add("value_delete", [v](const json& b, const responder& r) { handle_value_delete(v, b, r); });
  d.add("array_delete", [v](const json& b, const responder& r) { handle_array_delete(v, b, r); });
  d.add("array_create", [v](const json& b, const responder& r) { handle_array_create(v, b, r); });
  d.add("array_get", [v](const json& b, const responder& r) { handle_array_get(v, b, r); });
  d.add("array_set", [v](const json& b, const responder& r) { handle_array_set(v, b, r); });
}

}  // namespace shoal
