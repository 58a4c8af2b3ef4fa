#include "bench/request_batch.hpp"

#include <algorithm>

#include "common/protocol.hpp"

namespace shoal::bench {
namespace {

// "shoald refused value_create v-4096: no_space: cannot create ..."
status refusal(const std::string& request_line, const std::string& reply_line) {
  json request = json::parse(request_line, nullptr, false);
  json reply = json::parse(reply_line, nullptr, false);
  std::string what = request.is_object()
                         ? request.value("op", "?") + " " + request.value("name", "")
                         : request_line.substr(0, 200);
  std::string why = reply_line.substr(0, 300);
  if (reply.is_object() && reply.contains("error") && reply["error"].is_object())
    why = reply["error"].value("code", "?") + ": " + reply["error"].value("message", "");
  return status{errc::internal, "shoald refused " + what + ": " + why};
}

}  // namespace

result<std::vector<std::string>> send_batch(line_socket& sock,
                                            const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& line : lines) all += line;
  if (auto s = sock.write_all(all); !s) return s;
  std::vector<std::string> replies;
  replies.reserve(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto reply = sock.read_line();
    if (!reply) return reply.error();
    replies.emplace_back(*reply);
  }
  for (std::size_t i = 0; i < replies.size(); ++i)
    if (replies[i].find("\"ok\":true") == std::string::npos) return refusal(lines[i], replies[i]);
  return replies;
}

status send_windowed(line_socket& sock, const std::vector<std::string>& lines, std::size_t window) {
  for (std::size_t at = 0; at < lines.size(); at += window) {
    auto end = std::min(lines.size(), at + window);
    std::vector<std::string> slice(lines.begin() + static_cast<std::ptrdiff_t>(at),
                                   lines.begin() + static_cast<std::ptrdiff_t>(end));
    if (auto r = send_batch(sock, slice); !r) return r.error();
  }
  return {};
}

status time_round_trips(line_socket& sock, const std::string& line, long n, samples& out,
                        std::string* last) {
  auto wall = bench_clock::now();
  std::string reply_text;
  for (long i = 0; i < n; ++i) {
    auto t0 = bench_clock::now();
    auto reply = sock.round_trip(line);
    if (!reply) return reply.error();
    out.add(elapsed_ns(t0));
    if (reply->find("\"ok\":true") == std::string::npos) return refusal(line, std::string(*reply));
    if (i + 1 == n) reply_text = *reply;
  }
  out.add_wall(elapsed_ns(wall));
  if (last) *last = std::move(reply_text);
  return {};
}

}  // namespace shoal::bench
