#include "daemon/fields.hpp"

#include <climits>
#include <cmath>

#include "common/names.hpp"

namespace shoal {
namespace {

status bad(std::string_view field, std::string_view must) {
  return {errc::bad_request, "field '" + std::string(field) + "' must be " + std::string(must)};
}

const json* find(const json& body, std::string_view field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

result<std::string> required_string(const json& body, std::string_view field) {
  const json* v = find(body, field);
  if (!v) return status{errc::bad_request, "missing field '" + std::string(field) + "'"};
  if (!v->is_string()) return bad(field, "a string");
  return v->get<std::string>();
}

result<std::optional<std::string>> optional_string(const json& body, std::string_view field) {
  const json* v = find(body, field);
  if (!v) return std::optional<std::string>{};
  if (!v->is_string()) return bad(field, "a string");
  return std::optional<std::string>{v->get<std::string>()};
}

result<std::string> required_name(const json& body, std::string_view field) {
  auto s = required_string(body, field);
  if (!s) return s;
  if (!is_valid_name(*s))
    return status{errc::bad_request,
                  "invalid name '" + *s + "': names match " + std::string(name_rule)};
  return s;
}

result<std::optional<std::string>> optional_name(const json& body, std::string_view field) {
  if (!find(body, field)) return std::optional<std::string>{};
  auto s = required_name(body, field);
  if (!s) return s.error();
  return std::optional<std::string>{*s};
}

result<std::vector<std::string>> optional_string_array(const json& body, std::string_view field) {
  std::vector<std::string> out;
  const json* v = find(body, field);
  if (!v) return out;
  if (!v->is_array()) return bad(field, "an array of strings");
  for (const auto& item : *v) {
    if (!item.is_string()) return bad(field, "an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

result<std::optional<double>> optional_seconds(const json& body, std::string_view field) {
  const json* v = find(body, field);
  if (!v) return std::optional<double>{};
  if (!v->is_number()) return bad(field, "a number of seconds");
  double s = v->get<double>();
  if (!std::isfinite(s) || s < 0 || s > 1e9) return bad(field, "a number of seconds, 0 or more");
  return std::optional<double>{s};
}

result<std::optional<bool>> optional_bool(const json& body, std::string_view field) {
  const json* v = find(body, field);
  if (!v) return std::optional<bool>{};
  if (!v->is_boolean()) return bad(field, "true or false");
  return std::optional<bool>{v->get<bool>()};
}

result<std::optional<long long>> optional_integer(const json& body, std::string_view field) {
  const json* v = find(body, field);
  if (!v) return std::optional<long long>{};
  if (v->is_number_unsigned()) {
    if (v->get<unsigned long long>() > static_cast<unsigned long long>(LLONG_MAX))
      return bad(field, "an integer that fits in 64 bits");
    return std::optional<long long>{static_cast<long long>(v->get<unsigned long long>())};
  }
  if (!v->is_number_integer()) return bad(field, "an integer");
  return std::optional<long long>{v->get<long long>()};
}

result<pid_t> owner_field(const json& body, pid_t requester) {
  auto owner = optional_integer(body, "owner");
  if (!owner) return owner.error();
  if (!*owner) return requester;
  if (**owner <= 0 || **owner > INT_MAX)
    return status{errc::bad_request,
                  "field 'owner' must be a process id, not " + std::to_string(**owner)};
  return static_cast<pid_t>(**owner);
}

}  // namespace shoal
