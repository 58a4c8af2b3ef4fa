// Typed access to request fields. Each getter answers bad_request with a message naming the
// field, so handlers read `auto name = required_name(body, "name"); if (!name) ...`.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol.hpp"

namespace shoal {

result<std::string> required_string(const json& body, std::string_view field);
result<std::optional<std::string>> optional_string(const json& body, std::string_view field);
// A string following the name rule (names.hpp).
result<std::string> required_name(const json& body, std::string_view field);
result<std::optional<std::string>> optional_name(const json& body, std::string_view field);
result<std::vector<std::string>> optional_string_array(const json& body, std::string_view field);
// A finite, non-negative number of seconds.
result<std::optional<double>> optional_seconds(const json& body, std::string_view field);
result<std::optional<bool>> optional_bool(const json& body, std::string_view field);
result<std::optional<long long>> optional_integer(const json& body, std::string_view field);
// The process a lock request acts for: field 'owner' when given, else `requester` (the peer).
result<pid_t> owner_field(const json& body, pid_t requester);

}  // namespace shoal
