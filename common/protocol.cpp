#include "common/protocol.hpp"

namespace shoal {

bool exceeds_depth(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > limit) return true;
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

result<request> parse_request(std::string_view line, json& id_out) {
  id_out = nullptr;
  if (exceeds_depth(line, max_json_depth))
    return status{errc::bad_request,
                  "request nests deeper than " + std::to_string(max_json_depth) + " levels"};
  json body = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    return status{errc::bad_request, "request is not valid JSON (or not valid UTF-8)"};
  if (!body.is_object()) return status{errc::bad_request, "request must be a JSON object"};
  if (auto it = body.find("id"); it != body.end()) id_out = *it;
  auto op = body.find("op");
  if (op == body.end()) return status{errc::bad_request, "request has no \"op\" field"};
  if (!op->is_string()) return status{errc::bad_request, "field 'op' must be a string"};
  return request{id_out, op->get<std::string>(), std::move(body)};
}

json make_ok_reply(const json& id, json result) {
  return json{{"id", id}, {"ok", true}, {"result", std::move(result)}};
}

json make_error_reply(const json& id, const status& error) {
  return json{{"id", id},
              {"ok", false},
              {"error", {{"code", to_string(error.code())}, {"message", error.message()}}}};
}

json make_ok_reply_text(const json& id, std::string result_text) {
  return json{{"id", id}, {"ok", true}, {"result_text", std::move(result_text)}};
}

namespace {

const std::string* result_text_of(const json& message) {
  if (!message.is_object()) return nullptr;
  auto text = message.find("result_text");
  return text != message.end() && text->is_string() ? &text->get_ref<const std::string&>()
                                                    : nullptr;
}

// What comes before a result_text: the members in the order json itself writes them.
std::string text_reply_prefix(const json& message) {
  return "{\"id\":" +
         message.value("id", json(nullptr)).dump(-1, ' ', false, json::error_handler_t::replace) +
         ",\"ok\":true,\"result\":";
}

}  // namespace

std::string to_line(const json& message) {
  if (const std::string* text = result_text_of(message))
    return text_reply_prefix(message) + *text + "}\n";
  std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace);
  line += '\n';
  return line;
}

std::string to_line(json&& message) {
  if (!result_text_of(message)) return to_line(static_cast<const json&>(message));
  std::string line = std::move(message["result_text"].get_ref<std::string&>());
  line.insert(0, text_reply_prefix(message));  // in place when the text has room to spare
  line += "}\n";
  return line;
}

}  // namespace shoal
