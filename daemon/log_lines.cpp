#include "daemon/log_lines.hpp"

#include <algorithm>

namespace shoal {
namespace {

// The largest stretch read backwards to find the last lines: a line longer than this is cut.
constexpr std::size_t max_tail_bytes = 8 * 1024 * 1024;

// Splits `data` (which starts at offset `at` of `stream`) into lines. `starts_at_line`: the
// first byte begins a line (else the first, partial, line is dropped). Returns the offset just
// past the last line taken.
std::uint64_t split(int stream, const std::string& data, std::uint64_t at, bool starts_at_line,
                    bool final, const output_journal& journal, std::vector<log_line>& out) {
  std::size_t pos = 0;
  if (!starts_at_line) {
    auto nl = data.find('\n');
    if (nl == std::string::npos) return at;
    pos = nl + 1;
  }
  std::uint64_t taken = at + pos;
  while (pos < data.size()) {
    auto nl = data.find('\n', pos);
    bool complete = nl != std::string::npos;
    if (!complete && !final) break;
    std::size_t stop = complete ? nl : data.size();
    log_line line;
    line.stream = stream;
    line.end = at + (complete ? nl + 1 : data.size());
    line.text = data.substr(pos, stop - pos);
    line.arrival = journal.arrival_of(stream, line.end - 1);
    taken = line.end;
    out.push_back(std::move(line));
    pos = complete ? nl + 1 : data.size();
  }
  return taken;
}

}  // namespace

result<line_batch> read_lines(const std::array<const rotating_log*, 2>& logs,
                              const output_journal& journal, const line_request& request) {
  line_batch batch;
  for (int s = 0; s < 2; ++s) {
    const rotating_log& log = *logs[static_cast<std::size_t>(s)];
    auto& cursor = batch.cursor[static_cast<std::size_t>(s)];
    cursor = request.cursor ? (*request.cursor)[static_cast<std::size_t>(s)] : log.end();
    if (!request.streams[static_cast<std::size_t>(s)]) continue;
    if (request.cursor) {
      auto chunk = log.read(cursor, request.max_bytes);
      if (!chunk) return chunk.error();
      batch.skipped += chunk->skipped;
      std::uint64_t from = chunk->offset - chunk->data.size();
      // After a gap the first line may have lost its start; it is still shown, from where the
      // kept bytes begin, as the skipped count says.
      bool whole = chunk->offset >= log.end();
      cursor = split(s, chunk->data, from, true, request.final && whole, journal, batch.lines);
      if (chunk->data.empty()) cursor = std::max(cursor, chunk->offset);
      continue;
    }
    // The last `count` lines: read backwards until that many line starts are in view.
    std::vector<log_line> lines;
    for (std::size_t window = 64 * 1024;; window *= 2) {
      lines.clear();
      std::uint64_t first = log.begin(), last = log.end();
      std::uint64_t from = last - std::min<std::uint64_t>(window, last - first);
      auto chunk = log.read(from, static_cast<std::size_t>(last - from));
      if (!chunk) return chunk.error();
      std::uint64_t at = chunk->offset - chunk->data.size();
      cursor = split(s, chunk->data, at, at <= first, request.final, journal, lines);
      if (lines.size() >= request.count || at <= first || window >= max_tail_bytes) break;
    }
    if (lines.size() > request.count)
      lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(request.count));
    for (auto& l : lines) batch.lines.push_back(std::move(l));
  }
  // The order the daemon received them in; unknown arrivals (order 0) first, each stream in
  // its own order.
  std::stable_sort(batch.lines.begin(), batch.lines.end(),
                   [](const log_line& a, const log_line& b) {
                     if (a.arrival.order != b.arrival.order)
                       return a.arrival.order < b.arrival.order;
                     if (a.stream != b.stream) return a.stream < b.stream;
                     return a.end < b.end;
                   });
  if (!request.cursor && batch.lines.size() > request.count)
    batch.lines.erase(batch.lines.begin(),
                      batch.lines.end() - static_cast<std::ptrdiff_t>(request.count));
  return batch;
}

}  // namespace shoal
