#include "client/record_fields.hpp"

namespace shoal::cli {

std::string string_field(const json& j, const char* key, std::string fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

std::string number_field(const json& j, const char* key) {
  if (!j.is_object()) return "?";
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return "?";
  return std::to_string(it->get<long long>());
}

std::string describe_end(const json& record) {
  std::string sig = string_field(record, "signal", "");
  std::string text;
  if (!sig.empty())
    text = "was killed by " + sig;
  else
    text = "exited with " + number_field(record, "exitcode");
  if (auto core = record.find("core_dumped");
      core != record.end() && core->is_boolean() && core->get<bool>())
    text += " (core dumped)";
  return text;
}

}  // namespace shoal::cli
