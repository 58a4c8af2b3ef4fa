// A process's output as lines (`logs` with `lines` or `cursor`, docs/protocol.md): the last N
// lines of one stream or both, or the complete lines after a cursor, each with its stream,
// its text and when the daemon received it, in the order it received them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "daemon/output_journal.hpp"
#include "daemon/rotating_log.hpp"

namespace shoal {

struct log_line {
  int stream = 0;         // 0 stdout, 1 stderr
  std::uint64_t end = 0;  // the stream's offset just past the line (and its '\n')
  std::string text;       // without its '\n'
  output_journal::arrival arrival;
};

struct line_batch {
  std::vector<log_line> lines;            // in the order they were received
  std::array<std::uint64_t, 2> cursor{};  // per stream: where the next batch starts
  std::uint64_t skipped = 0;              // bytes after a cursor that were rotated away unread
};

struct line_request {
  std::array<bool, 2> streams{true, true};  // which of stdout, stderr
  // Either the last `count` lines, or the lines after `cursor` (at most `max_bytes` of each
  // stream).
  std::size_t count = 10;
  std::optional<std::array<std::uint64_t, 2>> cursor;
  std::size_t max_bytes = 64 * 1024;
  // A last line without its '\n' counts only once nothing more can be written to it.
  bool final = false;
};

// Reads `logs` (stdout, stderr) as `request` asks, ordering lines across streams by their
// arrival (lines from before the journal's memory first).
result<line_batch> read_lines(const std::array<const rotating_log*, 2>& logs,
                              const output_journal& journal, const line_request& request);

}  // namespace shoal
