#include "client/reply.hpp"

#include <string_view>

namespace shoal::cli {

outcome classify(const result<json>& reply) {
  outcome o;
  if (!reply) {
    o.message = reply.error().message();
    return o;
  }
  const json& r = *reply;
  auto ok = r.find("ok");
  if (ok == r.end() || !ok->is_boolean()) {
    o.message = "shoald sent a reply without an \"ok\" field: " + to_line(r);
    if (!o.message.empty() && o.message.back() == '\n') o.message.pop_back();
    return o;
  }
  if (ok->get<bool>()) {
    o.what = outcome::kind::ok;
    if (auto it = r.find("result"); it != r.end()) o.result = *it;
    return o;
  }
  o.what = outcome::kind::refused;
  o.code = "internal";
  o.message = "shoald refused the request without saying why";
  if (auto e = r.find("error"); e != r.end() && e->is_object()) {
    if (auto c = e->find("code"); c != e->end() && c->is_string()) o.code = c->get<std::string>();
    if (auto m = e->find("message"); m != e->end() && m->is_string())
      o.message = m->get<std::string>();
  }
  return o;
}

int exit_code(const outcome& o) {
  switch (o.what) {
    case outcome::kind::ok:
      return exit_ok;
    case outcome::kind::refused:
      return exit_refused;
    case outcome::kind::failed:
      return exit_unreachable;
  }
  return exit_unreachable;
}

int exit_status_of(const json& record) {
  if (!record.is_object()) return exit_failed;
  auto it = record.find("exitcode");
  if (it == record.end() || !it->is_number_integer()) return exit_failed;
  auto code = it->get<long long>();
  // A shell sees exit statuses modulo 256 and signal deaths as 128+N; so does a caller of
  // `shoal join`.
  if (code >= 0) return static_cast<int>(code & 0xff);
  if (code >= -127) return 128 + static_cast<int>(-code);
  return exit_failed;
}

int join_exit_code(const outcome& o) {
  switch (o.what) {
    case outcome::kind::ok:
      return exit_status_of(o.result);
    case outcome::kind::refused:
      return o.code == "timeout" ? exit_timeout : exit_failed;
    case outcome::kind::failed:
      return exit_failed;
  }
  return exit_failed;
}

void print_error(output& err, const outcome& o) {
  if (o.what == outcome::kind::ok) return;
  std::string prefix = "shoal: ";
  if (o.what == outcome::kind::refused) prefix += o.code + ": ";
  std::string_view rest = o.message;
  for (;;) {
    auto nl = rest.find('\n');
    err << prefix << rest.substr(0, nl) << '\n';
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
    prefix = "shoal: ";
  }
}

}  // namespace shoal::cli
