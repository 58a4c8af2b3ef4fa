// Protocol v1 framing and reply shapes, shared by the daemon and every client.
// docs/protocol.md is the reference; this file is its single implementation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.hpp"

namespace shoal {

using json = nlohmann::json;

inline constexpr int protocol_version = 1;
// A request line may hold this many bytes before its '\n'.
inline constexpr std::size_t max_line_bytes = std::size_t{1} << 20;
inline constexpr int max_json_depth = 64;

// True when `text` nests arrays/objects deeper than `limit`. Scans the raw bytes (skipping
// string literals), so a hostile line is rejected before any recursive parser sees it.
bool exceeds_depth(std::string_view text, int limit);

// A parsed request: its id (null when absent), op, and the whole object for field access.
struct request {
  json id;
  std::string op;
  json body;
};

// Parses one line (without its '\n'). On failure the status is bad_request and `id_out`
// holds whatever id could be recovered, so the error reply can still be matched.
result<request> parse_request(std::string_view line, json& id_out);

json make_ok_reply(const json& id, json result);
// The same reply with a result already written as JSON text: a result too large to build as
// a tree first (a whole array costs 16 bytes an element as json, 2 to 25 as text). It is the
// object {"id", "ok": true, "result_text"}, which to_line() writes as {"id", "ok", "result"}.
json make_ok_reply_text(const json& id, std::string result_text);
json make_error_reply(const json& id, const status& error);

// One JSON line with '\n'. Never throws: strings that are not valid UTF-8 (a child's argv,
// log bytes) are written with U+FFFD in place of the bad bytes.
std::string to_line(const json& message);
// The same, taking a result_text over instead of copying it.
std::string to_line(json&& message);

}  // namespace shoal
