#include "daemon/lock_exit_file.hpp"

#include "common/protocol.hpp"
#include "daemon/state_file.hpp"

namespace shoal {
namespace {

constexpr const char* file_name = "lock-exits.json";

}  // namespace

result<exit_release_holds> read_lock_exit_file(const std::string& state_dir) {
  std::string path = state_dir + "/" + file_name;
  exit_release_holds out;
  auto read = read_state_file(path);
  if (!read) return read.error();
  if (!*read) return out;
  const std::string& text = **read;
  json j = json::parse(text, nullptr, false);
  auto holds = j.is_object() ? j.find("holds") : j.end();
  if (j.is_discarded() || !j.is_object() || holds == j.end() || !holds->is_array())
    return status{errc::internal, "'" + path + "' is not a valid lock-exits file"};
  for (const auto& h : *holds) {
    if (!h.is_object() || !h.contains("lock") || !h["lock"].is_string() || !h.contains("owner") ||
        !h["owner"].is_number_integer() || !h.contains("sequence") ||
        !h["sequence"].is_number_unsigned())
      return status{errc::internal, "'" + path + "' is not a valid lock-exits file"};
    out[h["lock"].get<std::string>()] = {h["owner"].get<pid_t>(),
                                         h["sequence"].get<std::uint64_t>()};
  }
  return out;
}

status write_lock_exit_file(const std::string& state_dir, const exit_release_holds& holds) {
  json list = json::array();
  for (const auto& [name, h] : holds)
    list.push_back({{"lock", name}, {"owner", h.owner}, {"sequence", h.sequence}});
  return replace_state_file(state_dir + "/" + file_name,
                            json{{"holds", std::move(list)}}.dump() + "\n");
}

}  // namespace shoal
