// How much of a process's output is kept on disk, per stream: the current file up to
// `max_bytes`, then `backups` older files (docs/logging.md). The daemon's --log-max-bytes and
// --log-backups, `shoal start`'s flags of the same names, and the programs file's
// log_max_bytes/log_backups all check their values here, so every source accepts the same.
#pragma once

#include <cstdint>
#include <string_view>

namespace shoal {

struct log_limits {
  std::uint64_t max_bytes = 10 << 20;  // 0: never rotated, unbounded
  int backups = 3;

  bool operator==(const log_limits&) const = default;
};

// A file smaller than a page would rotate on nearly every write.
inline constexpr std::uint64_t min_log_max_bytes = 4096;
inline constexpr std::uint64_t max_log_max_bytes = std::uint64_t{1} << 40;
inline constexpr int max_log_backups = 1000;

constexpr bool valid_log_max_bytes(std::uint64_t n) {
  return n == 0 || (n >= min_log_max_bytes && n <= max_log_max_bytes);
}
constexpr bool valid_log_backups(long long n) { return n >= 0 && n <= max_log_backups; }

// The rules, for messages: "--log-max-bytes must be " + log_max_bytes_rule.
inline constexpr std::string_view log_max_bytes_rule =
    "0 (unbounded) or a size from 4K to 1T (4096 to 1099511627776 bytes)";
inline constexpr std::string_view log_backups_rule = "a number of files from 0 to 1000";
// A process without logs (`start --no-logs`, "logs": false) has no files to bound.
inline constexpr std::string_view no_logs_conflict =
    "'log_max_bytes' and 'log_backups' bound log files, and \"logs\": false keeps none; "
    "give one or the other";

}  // namespace shoal
