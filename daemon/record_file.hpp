// STATE_DIR/processes.json: the daemon's record of its processes, so that a daemon started
// after a crash or an upgrade lists them again and adopts the ones still running
// (docs/restore.md).
//
// A journal of JSON lines. The first line is the whole table as it was when the file was
// (re)written: {"format": 1, "boot_id": "...", "next_default": N, "processes": [...]}; each
// later line is one change: {"process": {...}} (the record's whole new state) or
// {"removed": "NAME"}, with "next_default". Reading replays them in order; a last line cut
// short by a crash in the middle of a write is ignored (every line before it is whole, as
// each change is one write(2) of whole lines). A change costs one line, not the whole table,
// so a start or an exit costs the same with 10 or 1000 records; when the changes outnumber
// twice the records, the table is rewritten whole: to processes.json.tmp, then renamed over
// processes.json, so a crash at any instant leaves the old file or the new one.
//
// No fsync, on purpose: the only reader that matters is a daemon of the same boot, which sees
// the page cache whatever happened to the writer; after a crash of the machine no child is
// left to adopt, and a file from another boot (boot_id differs) is ignored. An fsync per start
// and per exit would cost more than the spawn itself.
//
// The fields of a process are saved_process's by the same names, times in nanoseconds since
// the epoch.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/protocol.hpp"
#include "common/status.hpp"
#include "common/unique_fd.hpp"
#include "daemon/process_lifecycle.hpp"
#include "daemon/process_spec.hpp"

namespace shoal {

inline constexpr int record_file_format = 1;
inline constexpr const char* record_file_name = "processes.json";

struct saved_process {
  std::string name;
  process_spec spec;
  pid_t pid = -1;
  std::uint64_t start_ticks = 0;
  process_state state = process_state::running;
  std::optional<int> exitcode;
  std::optional<int> term_signal;
  bool core_dumped = false;
  bool escalated = false;
  std::chrono::system_clock::time_point started_at;
  std::optional<std::chrono::system_clock::time_point> ended_at;
  std::optional<std::chrono::system_clock::time_point> next_attempt_at;
  std::uint64_t start_order = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user, group;
  int restart_count = 0;
  std::string lost_reason;

  bool operator==(const saved_process&) const = default;
};

struct saved_table {
  std::string boot_id;
  std::uint64_t next_default = 1;
  std::vector<saved_process> processes;

  bool operator==(const saved_table&) const = default;
};

json to_json(const saved_table& table);
// bad_request naming the field that is wrong.
result<saved_table> saved_table_from_json(const json& j);

// This boot's /proc/sys/kernel/random/boot_id; empty when unreadable.
std::string current_boot_id();

// Replaces `dir`/processes.json atomically with the whole table (see above).
status write_record_file(const std::string& dir, const saved_table& table);

// The file a running daemon keeps: rewritten whole at start, then appended to.
class record_file {
 public:
  explicit record_file(std::string dir) : dir_(std::move(dir)) {}
  // Replaces the file with `table` and appends to it from now on.
  status rewrite(const saved_table& table);
  // One line per changed record (`changed`: the new states; `removed`: names forgotten).
  status append(const std::vector<saved_process>& changed, const std::vector<std::string>& removed,
                std::uint64_t next_default);
  // Lines appended since the last rewrite.
  std::size_t appended() const { return appended_; }
  // False before the first rewrite, and after a failed append: the next save rewrites.
  bool is_open() const { return fd_.valid(); }

 private:
  std::string dir_;
  unique_fd fd_;  // O_APPEND, on the file the last rewrite made
  std::size_t appended_ = 0;
};
// Nothing when there is no file; an error when it cannot be read or parsed.
result<std::optional<saved_table>> read_record_file(const std::string& dir);
// After a clean stop (every child stopped), nothing is left to adopt.
void remove_record_file(const std::string& dir);

}  // namespace shoal
