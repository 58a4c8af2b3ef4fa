// `logs` by lines: the last N lines on line boundaries, both streams interleaved in the order
// their pieces arrived, times from the journal, cursors that neither repeat nor lose a line
// across rotations.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "daemon/log_directory.hpp"
#include "daemon/log_lines.hpp"
#include "daemon/output_journal.hpp"
#include "daemon/rotating_log.hpp"
#include "unit/temp_dir.hpp"

using namespace shoal;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using shoal::testing::temp_dir;

// A process's two streams and its journal, written as the daemon does: each piece appended,
// then its arrival recorded.
struct streams {
  temp_dir dir;
  std::shared_ptr<const log_directory> logs;
  rotating_log out, err;
  output_journal journal;
  output_journal::clock::time_point now{std::chrono::seconds(1795542901)};

  explicit streams(log_limits limits = {0, 3}, std::size_t max_records = 1000)
      : logs(*log_directory::open(dir.path + "/logs")),
        out(logs, "p.out", "stdout of 'p'", limits),
        err(logs, "p.err", "stderr of 'p'", limits),
        journal(max_records) {
    REQUIRE(out.open().ok());
    REQUIRE(err.open().ok());
  }

  void write(int stream, std::string_view text) {
    rotating_log& log = stream == 0 ? out : err;
    std::uint64_t before = log.end();
    log.write(text);
    now += 1s;
    journal.record(stream, before, log.end(), now);
    journal.forget_before(stream, log.begin());
  }

  line_batch read(line_request r) {
    auto batch = read_lines({&out, &err}, journal, r);
    REQUIRE(batch.ok());
    return *batch;
  }
};

std::vector<std::string> texts(const line_batch& b) {
  std::vector<std::string> t;
  for (const auto& l : b.lines) t.push_back((l.stream == 0 ? "o:" : "e:") + l.text);
  return t;
}

}  // namespace

TEST_CASE("the last N lines start on a line boundary, however far back they begin") {
  streams s;
  std::string big(100000, 'x');
  s.write(0, "first\n" + big + "\nsecond\nthird\n");
  line_request r;
  r.streams = {true, false};
  r.count = 2;
  CHECK(texts(s.read(r)) == std::vector<std::string>{"o:second", "o:third"});
  r.count = 3;
  auto three = s.read(r);
  REQUIRE(three.lines.size() == 3);
  CHECK(three.lines[0].text == big);  // read back past 64 KiB to find its start
  r.count = 10;
  CHECK(s.read(r).lines.size() == 4);
}

TEST_CASE("both streams interleave in the order their lines arrived") {
  streams s;
  s.write(0, "o1\n");
  s.write(1, "e1\n");
  s.write(0, "o2\no3\n");
  s.write(1, "e2\n");
  line_request r;
  r.count = 10;
  CHECK(texts(s.read(r)) == std::vector<std::string>{"o:o1", "e:e1", "o:o2", "o:o3", "e:e2"});
  r.count = 3;
  CHECK(texts(s.read(r)) == std::vector<std::string>{"o:o2", "o:o3", "e:e2"});
  // Each line carries the time its piece arrived.
  auto b = s.read(r);
  REQUIRE(b.lines[0].arrival.at.has_value());
  CHECK(*b.lines[2].arrival.at - *b.lines[0].arrival.at == 1s);
}

TEST_CASE("a line counts when its newline arrives; an unfinished one only at the end") {
  streams s;
  s.write(0, "par");
  s.write(1, "e1\n");
  s.write(0, "tial\n");
  line_request r;
  r.count = 10;
  CHECK(texts(s.read(r)) == std::vector<std::string>{"e:e1", "o:partial"});
  s.write(0, "no newline yet");
  CHECK(texts(s.read(r)).size() == 2);
  r.final = true;
  CHECK(texts(s.read(r)).back() == "o:no newline yet");
}

TEST_CASE("a cursor gives every line once, across rotations") {
  streams s({4096, 2});
  line_request first;
  first.count = 0;
  auto start = s.read(first);
  CHECK(start.lines.empty());
  std::vector<std::string> seen;
  auto cursor = start.cursor;
  char buf[32];
  for (int i = 0; i < 2000; ++i) {
    std::snprintf(buf, sizeof buf, "line %06d\n", i);
    s.write(i % 3 == 0 ? 1 : 0, buf);
    if (i % 50 == 49) {
      line_request r;
      r.cursor = cursor;
      auto b = s.read(r);
      CHECK(b.skipped == 0);
      for (const auto& l : b.lines) seen.push_back(l.text);
      cursor = b.cursor;
    }
  }
  REQUIRE(seen.size() == 2000);
  for (int i = 0; i < 2000; ++i) {
    std::snprintf(buf, sizeof buf, "line %06d", i);
    CHECK(seen[static_cast<std::size_t>(i)] == buf);
  }
}

TEST_CASE("the journal stays within its bound; older lines lose their time, not their text") {
  streams s({0, 3}, 4);
  for (int i = 0; i < 10; ++i) s.write(0, "l" + std::to_string(i) + "\n");
  CHECK(s.journal.size() == 4);
  line_request r;
  r.count = 10;
  auto b = s.read(r);
  REQUIRE(b.lines.size() == 10);
  CHECK_FALSE(b.lines[0].arrival.at.has_value());
  CHECK(b.lines[9].arrival.at.has_value());
  CHECK(b.lines[0].text == "l0");
}
