#include "daemon/record_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/unique_fd.hpp"
#include "daemon/file_text.hpp"
#include "daemon/json_text.hpp"
#include "daemon/state_file.hpp"

namespace shoal {
namespace {

using clock = std::chrono::system_clock;

std::int64_t to_ns(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

clock::time_point from_ns(std::int64_t ns) {
  return clock::time_point(
      std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(ns)));
}

template <typename T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json spec_json(const process_spec& s) {
  json env = json::array();
  for (const auto& [k, v] : s.env) env.push_back({k, v});
  json j = {{"argv", s.argv},
            {"cwd", s.cwd},
            {"env", env},
            {"restart", to_string(s.restart.mode)},
            {"restart_max", s.restart.max_restarts},
            {"restart_window", s.restart.window_seconds},
            {"exec_argv", s.exec_argv},
            {"uid", optional_json(s.uid)},
            {"gid", optional_json(s.gid)},
            {"program", s.program},
            {"stop_signal", s.stop_signal},
            {"stop_timeout", optional_json(s.stop_timeout)},
            {"log_max_bytes", optional_json(s.log_max_bytes)},
            {"log_backups", optional_json(s.log_backups)}};
  if (!s.logs) j["logs"] = false;  // only then: files of earlier versions have no such key
  return j;
}

template <typename T>
std::optional<T> optional_from(const json& j, const char* key) {
  const json& v = j.at(key);
  if (v.is_null()) return std::nullopt;
  return v.get<T>();
}

process_spec spec_from(const json& j) {
  process_spec s;
  s.argv = j.at("argv").get<std::vector<std::string>>();
  s.cwd = j.at("cwd").get<std::string>();
  for (const auto& pair : j.at("env"))
    s.env.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  auto mode = parse_restart_mode(j.at("restart").get<std::string>());
  if (!mode) throw std::invalid_argument("unknown restart mode");
  s.restart.mode = *mode;
  s.restart.max_restarts = j.at("restart_max").get<int>();
  s.restart.window_seconds = j.at("restart_window").get<double>();
  s.exec_argv = j.at("exec_argv").get<std::vector<std::string>>();
  s.uid = optional_from<uid_t>(j, "uid");
  s.gid = optional_from<gid_t>(j, "gid");
  s.program = j.at("program").get<std::string>();
  s.stop_signal = j.at("stop_signal").get<int>();
  s.stop_timeout = optional_from<double>(j, "stop_timeout");
  s.log_max_bytes = optional_from<std::uint64_t>(j, "log_max_bytes");
  s.log_backups = optional_from<int>(j, "log_backups");
  if (auto logs = j.find("logs"); logs != j.end()) s.logs = logs->get<bool>();
  return s;
}

std::optional<process_state> state_from(const std::string& text) {
  for (process_state s : all_process_states)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

json process_json(const saved_process& p) {
  return {{"name", p.name},
          {"spec", spec_json(p.spec)},
          {"pid", p.pid},
          {"start_ticks", p.start_ticks},
          {"state", to_string(p.state)},
          {"exitcode", optional_json(p.exitcode)},
          {"term_signal", optional_json(p.term_signal)},
          {"core_dumped", p.core_dumped},
          {"escalated", p.escalated},
          {"started_at", to_ns(p.started_at)},
          {"ended_at", p.ended_at ? json(to_ns(*p.ended_at)) : json(nullptr)},
          {"next_attempt_at", p.next_attempt_at ? json(to_ns(*p.next_attempt_at)) : json(nullptr)},
          {"start_order", p.start_order},
          {"uid", p.uid},
          {"gid", p.gid},
          {"user", p.user},
          {"group", p.group},
          {"restart_count", p.restart_count},
          {"lost_reason", p.lost_reason}};
}

using json_text::append_double;
using json_text::append_integer;
using json_text::append_optional;
using json_text::append_string;
using json_text::append_strings;

void append_time(std::string& out, const std::optional<clock::time_point>& at) {
  if (at)
    append_integer(out, to_ns(*at));
  else
    out += "null";
}

// process_json(p).dump() written directly, keys in the same (sorted) order: a journal line is
// written on every start and every exit before its reply leaves, and building the json object
// first cost more than the rest of the save.
void append_process(std::string& out, const saved_process& p) {
  const process_spec& s = p.spec;
  out += "{\"core_dumped\":";
  out += p.core_dumped ? "true" : "false";
  out += ",\"ended_at\":";
  append_time(out, p.ended_at);
  out += ",\"escalated\":";
  out += p.escalated ? "true" : "false";
  out += ",\"exitcode\":";
  append_optional(out, p.exitcode, append_integer<int>);
  out += ",\"gid\":";
  append_integer(out, p.gid);
  out += ",\"group\":";
  append_string(out, p.group);
  out += ",\"lost_reason\":";
  append_string(out, p.lost_reason);
  out += ",\"name\":";
  append_string(out, p.name);
  out += ",\"next_attempt_at\":";
  append_time(out, p.next_attempt_at);
  out += ",\"pid\":";
  append_integer(out, p.pid);
  out += ",\"restart_count\":";
  append_integer(out, p.restart_count);
  out += ",\"spec\":{\"argv\":";
  append_strings(out, s.argv);
  out += ",\"cwd\":";
  append_string(out, s.cwd);
  out += ",\"env\":[";
  for (std::size_t i = 0; i < s.env.size(); ++i) {
    out += i ? ",[" : "[";
    append_string(out, s.env[i].first);
    out += ',';
    append_string(out, s.env[i].second);
    out += ']';
  }
  out += "],\"exec_argv\":";
  append_strings(out, s.exec_argv);
  out += ",\"gid\":";
  append_optional(out, s.gid, append_integer<gid_t>);
  out += ",\"log_backups\":";
  append_optional(out, s.log_backups, append_integer<int>);
  out += ",\"log_max_bytes\":";
  append_optional(out, s.log_max_bytes, append_integer<std::uint64_t>);
  if (!s.logs) out += ",\"logs\":false";
  out += ",\"program\":";
  append_string(out, s.program);
  out += ",\"restart\":";
  append_string(out, to_string(s.restart.mode));
  out += ",\"restart_max\":";
  append_integer(out, s.restart.max_restarts);
  out += ",\"restart_window\":";
  append_double(out, s.restart.window_seconds);
  out += ",\"stop_signal\":";
  append_integer(out, s.stop_signal);
  out += ",\"stop_timeout\":";
  append_optional(out, s.stop_timeout, append_double);
  out += ",\"uid\":";
  append_optional(out, s.uid, append_integer<uid_t>);
  out += "},\"start_order\":";
  append_integer(out, p.start_order);
  out += ",\"start_ticks\":";
  append_integer(out, p.start_ticks);
  out += ",\"started_at\":";
  append_integer(out, to_ns(p.started_at));
  out += ",\"state\":";
  append_string(out, to_string(p.state));
  out += ",\"term_signal\":";
  append_optional(out, p.term_signal, append_integer<int>);
  out += ",\"uid\":";
  append_integer(out, p.uid);
  out += ",\"user\":";
  append_string(out, p.user);
  out += '}';
}

saved_process process_from(const json& j) {
  saved_process p;
  p.name = j.at("name").get<std::string>();
  p.spec = spec_from(j.at("spec"));
  p.pid = j.at("pid").get<pid_t>();
  p.start_ticks = j.at("start_ticks").get<std::uint64_t>();
  auto state = state_from(j.at("state").get<std::string>());
  if (!state) throw std::invalid_argument("unknown state");
  p.state = *state;
  p.exitcode = optional_from<int>(j, "exitcode");
  p.term_signal = optional_from<int>(j, "term_signal");
  p.core_dumped = j.at("core_dumped").get<bool>();
  p.escalated = j.at("escalated").get<bool>();
  p.started_at = from_ns(j.at("started_at").get<std::int64_t>());
  if (auto e = optional_from<std::int64_t>(j, "ended_at")) p.ended_at = from_ns(*e);
  if (auto n = optional_from<std::int64_t>(j, "next_attempt_at")) p.next_attempt_at = from_ns(*n);
  p.start_order = j.at("start_order").get<std::uint64_t>();
  p.uid = j.at("uid").get<uid_t>();
  p.gid = j.at("gid").get<gid_t>();
  p.user = j.at("user").get<std::string>();
  p.group = j.at("group").get<std::string>();
  p.restart_count = j.at("restart_count").get<int>();
  p.lost_reason = j.at("lost_reason").get<std::string>();
  return p;
}

std::string file_in(const std::string& dir, const char* name) { return dir + "/" + name; }

}  // namespace

json to_json(const saved_table& table) {
  json processes = json::array();
  for (const auto& p : table.processes) processes.push_back(process_json(p));
  return {{"format", record_file_format},
          {"boot_id", table.boot_id},
          {"next_default", table.next_default},
          {"processes", std::move(processes)}};
}

result<saved_table> saved_table_from_json(const json& j) {
  try {
    if (!j.is_object()) return status{errc::bad_request, "not a JSON object"};
    if (j.at("format").get<int>() != record_file_format)
      return status{errc::bad_request, "format " + j.at("format").dump() + " is not " +
                                           std::to_string(record_file_format)};
    saved_table t;
    t.boot_id = j.at("boot_id").get<std::string>();
    t.next_default = j.at("next_default").get<std::uint64_t>();
    for (const auto& p : j.at("processes")) t.processes.push_back(process_from(p));
    return t;
  } catch (const std::exception& e) {
    return status{errc::bad_request, e.what()};
  }
}

std::string current_boot_id() {
  auto text = read_file_text("/proc/sys/kernel/random/boot_id");
  if (!text) return {};
  return text->substr(0, text->find('\n'));
}

status write_record_file(const std::string& dir, const saved_table& table) {
  std::string text = to_json(table).dump();
  text += '\n';
  return replace_state_file(file_in(dir, record_file_name), text);
}

result<std::optional<saved_table>> read_record_file(const std::string& dir) {
  std::string path = file_in(dir, record_file_name);
  auto read = read_state_file(path);
  if (!read) return read.error();
  if (!*read) return std::optional<saved_table>();
  const std::string& text = **read;
  std::size_t eol = text.find('\n');
  json j = json::parse(text.substr(0, eol), nullptr, false);
  if (j.is_discarded()) return status{errc::bad_request, "'" + path + "' is not valid JSON"};
  auto table = saved_table_from_json(j);
  if (!table) return status{errc::bad_request, "'" + path + "': " + table.error().message()};
  std::size_t line_no = 1;
  while (eol != std::string::npos && eol + 1 < text.size()) {
    std::size_t start = eol + 1;
    eol = text.find('\n', start);
    ++line_no;
    // A line without its newline was cut short by a crash: the change it held never counted.
    if (eol == std::string::npos) break;
    json change = json::parse(text.substr(start, eol - start), nullptr, false);
    auto bad = [&](const std::string& why) {
      return status{errc::bad_request,
                    "'" + path + "' line " + std::to_string(line_no) + ": " + why};
    };
    if (change.is_discarded() || !change.is_object()) return bad("not valid JSON");
    try {
      table->next_default = change.at("next_default").get<std::uint64_t>();
      auto& list = table->processes;
      if (auto removed = change.find("removed"); removed != change.end()) {
        std::string name = removed->get<std::string>();
        std::erase_if(list, [&](const saved_process& p) { return p.name == name; });
      } else {
        saved_process p = process_from(change.at("process"));
        auto same = std::find_if(list.begin(), list.end(),
                                 [&](const saved_process& q) { return q.name == p.name; });
        if (same != list.end())
          *same = std::move(p);
        else
          list.push_back(std::move(p));
      }
    } catch (const std::exception& e) {
      return bad(e.what());
    }
  }
  return std::optional<saved_table>(std::move(*table));
}

status record_file::rewrite(const saved_table& table) {
  fd_.reset();
  if (auto st = write_record_file(dir_, table); !st) return st;
  std::string path = file_in(dir_, record_file_name);
  fd_.reset(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
  if (!fd_) return status::from_errno(errc::internal, "unable to open '" + path + "'", errno);
  appended_ = 0;
  return {};
}

status record_file::append(const std::vector<saved_process>& changed,
                           const std::vector<std::string>& removed, std::uint64_t next_default) {
  std::string path = file_in(dir_, record_file_name);
  if (!fd_) return {errc::internal, "'" + path + "' is not open for appending"};
  std::string text;
  text.reserve(1024 * changed.size());
  for (const auto& p : changed) {
    text += "{\"next_default\":";
    append_integer(text, next_default);
    text += ",\"process\":";
    append_process(text, p);
    text += "}\n";
  }
  for (const auto& name : removed) {
    text += "{\"next_default\":";
    append_integer(text, next_default);
    text += ",\"removed\":";
    append_string(text, name);
    text += "}\n";
  }
  for (std::size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd_.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      fd_.reset();  // a line half written must not be followed: the next save rewrites
      return status::from_errno(errc::internal, "unable to append to '" + path + "'", err);
    }
    off += static_cast<std::size_t>(n);
  }
  appended_ += changed.size() + removed.size();
  return {};
}

void remove_record_file(const std::string& dir) {
  ::unlink(file_in(dir, record_file_name).c_str());
}

}  // namespace shoal
