#include "client/event_text.hpp"

#include <cmath>
#include <cstdio>

#include "client/time_display.hpp"

namespace shoal::cli {
namespace {

std::string text(const json& e, const char* key, std::string fallback = "") {
  auto it = e.find(key);
  if (it == e.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

std::optional<long long> integer(const json& e, const char* key) {
  auto it = e.find(key);
  if (it == e.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<long long>();
}

std::optional<double> number(const json& e, const char* key) {
  auto it = e.find(key);
  if (it == e.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string pid_suffix(const json& e) {
  auto pid = integer(e, "pid");
  return pid ? " (pid " + std::to_string(*pid) + ")" : "";
}

// "1.5 s", "2 s": as few digits as the delay needs.
std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f s", std::fabs(s - std::round(s)) < 0.05 ? 0 : 1, s);
  return buf;
}

// "exited with 1", "was killed by SIGKILL".
std::string ending(const json& e) {
  std::string sig = text(e, "signal");
  if (!sig.empty()) return "was killed by " + sig;
  auto code = integer(e, "exitcode");
  return "exited with " + (code ? std::to_string(*code) : std::string("?"));
}

std::string local_time(const json& e) {
  auto when = parse_rfc3339(text(e, "time"));
  return when ? local_clock(*when) : "--:--:--";
}

}  // namespace

event_text describe_event(const json& e) {
  event_text out;
  out.time = local_time(e);
  std::string type = text(e, "type", "?");
  std::string name = text(e, "name", "?");
  if (type == "started") {
    out.what = name + " started" + pid_suffix(e);
    if (auto restarts = integer(e, "restarts"))
      out.what += ", restart " + std::to_string(*restarts);
    out.tone = event_tone::good;
  } else if (type == "exited") {
    out.what = name + " " + ending(e) + pid_suffix(e);
    out.tone = integer(e, "exitcode").value_or(1) == 0 ? event_tone::plain : event_tone::bad;
  } else if (type == "stopped") {
    if (e.value("restart_cancelled", false))
      out.what = name + " stopped: its restart is cancelled";
    else
      out.what = name + " stopped, " + ending(e) + pid_suffix(e);
  } else if (type == "restarting") {
    out.what = name + " restarts";
    if (auto delay = number(e, "delay")) out.what += " in " + seconds_text(*delay);
    if (auto attempt = integer(e, "attempt"))
      out.what += " (attempt " + std::to_string(*attempt) + ")";
    out.tone = event_tone::warning;
  } else if (type == "fatal") {
    out.what = name + " gave up restarting";
    auto restarts = integer(e, "restarts");
    auto window = number(e, "restart_window");
    if (restarts && window)
      out.what += ": " + std::to_string(*restarts) + " restarts within " + seconds_text(*window);
    out.tone = event_tone::bad;
  } else if (type == "lock_recovered") {
    auto owner = integer(e, "owner");
    // "lock" is the daemon's own lock; any other name is a named lock.
    out.what = (name == "lock" ? std::string("lock") : "lock " + name) + " released: its owner" +
               (owner ? " pid " + std::to_string(*owner) : std::string()) + " died holding it";
    out.tone = event_tone::warning;
  } else if (type == "value_created" || type == "value_deleted") {
    out.what = text(e, "kind", "value") + " " + name +
               (type == "value_created" ? " created (typecode " + text(e, "typecode", "?") + ")"
                                        : " deleted");
  } else {
    json rest = e.is_object() ? e : json::object();
    for (const char* k : {"seq", "type", "name", "time"}) rest.erase(k);
    out.what =
        type + " " + name +
        (rest.empty() ? "" : " " + rest.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return out;
}

std::string format_event_line(const json& event, bool color) {
  event_text t = describe_event(event);
  std::string line = t.time;
  if (auto seq = integer(event, "seq")) line += " #" + std::to_string(*seq);
  line += " ";
  std::string_view start;
  switch (t.tone) {
    case event_tone::good:
      start = "\x1b[32m";
      break;
    case event_tone::warning:
      start = "\x1b[33m";
      break;
    case event_tone::bad:
      start = "\x1b[31m";
      break;
    case event_tone::plain:
      break;
  }
  if (color && !start.empty())
    line += std::string(start) + t.what + "\x1b[0m";
  else
    line += t.what;
  return line;
}

}  // namespace shoal::cli
