#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "daemon/log_directory.hpp"
#include "daemon/output_pipe.hpp"
#include "daemon/rotating_log.hpp"
#include "unit/temp_dir.hpp"

using namespace shoal;
namespace fs = std::filesystem;

namespace {

using shoal::testing::temp_dir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "line 000001\n" ... : every line says where it belongs, so a gap or a repeat shows.
std::string numbered_lines(int from, int count) {
  std::string out;
  char buf[32];
  for (int i = from; i < from + count; ++i) {
    std::snprintf(buf, sizeof buf, "line %06d\n", i);
    out += buf;
  }
  return out;
}

std::shared_ptr<const log_directory> logs_in(const temp_dir& dir) {
  auto logs = log_directory::open(dir.path + "/logs");
  REQUIRE(logs.ok());
  return *logs;
}

// Writes `text` in pieces of random size, as reads from a pipe would hand it over; with
// `whole_lines`, each piece ends at a newline, as a line-buffered child writes.
void write_in_pieces(rotating_log& log, std::string_view text, std::mt19937& rng,
                     bool whole_lines = false) {
  std::uniform_int_distribution<std::size_t> piece(1, 3000);
  while (!text.empty()) {
    std::size_t n = std::min(piece(rng), text.size());
    if (whole_lines) n = std::min(text.find('\n', n - 1) + 1, text.size());
    log.write(text.substr(0, n));
    text.remove_prefix(n);
  }
}

// A pipe as a child's output has, its read end non-blocking as the daemon's is.
pipe_ends child_pipe() {
  auto ends = make_output_pipe();
  REQUIRE(ends.ok());
  return std::move(*ends);
}

}  // namespace

TEST_CASE("without a limit the file only grows, and offsets are file positions") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {0, 3});
  REQUIRE(log.open().ok());
  std::string text = numbered_lines(1, 5000);
  std::mt19937 rng(1);
  write_in_pieces(log, text, rng);
  CHECK(slurp(dir.path + "/logs/p.out") == text);
  CHECK_FALSE(fs::exists(dir.path + "/logs/p.out.1"));
  CHECK(log.begin() == 0);
  CHECK(log.end() == text.size());
  CHECK(log.written_bytes() == text.size());
  CHECK(log.rotations() == 0);
  auto tail = log.read(std::nullopt, 12);
  REQUIRE(tail.ok());
  CHECK(tail->data == "line 005000\n");
  CHECK(tail->offset == text.size());
  auto middle = log.read(12, 24);
  REQUIRE(middle.ok());
  CHECK(middle->data == "line 000002\nline 000003\n");
  CHECK(middle->offset == 36);
}

TEST_CASE("rotation keeps every file within max_bytes, K backups, each starting at a line") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {4096, 2});
  REQUIRE(log.open().ok());
  std::string text = numbered_lines(1, 10000);  // 120,000 bytes: about 30 rotations
  std::mt19937 rng(2);
  write_in_pieces(log, text, rng, true);

  std::string on_disk;
  for (const char* f : {"p.out.2", "p.out.1", "p.out"}) {
    std::string content = slurp(dir.path + "/logs/" + f);
    CHECK(content.size() <= 4096);
    CHECK(!content.empty());
    CHECK(content.rfind("line ", 0) == 0);  // starts at a line
    on_disk += content;
  }
  CHECK_FALSE(fs::exists(dir.path + "/logs/p.out.3"));
  CHECK(log.rotations() >= 29);
  // The three files are the stream's last bytes, in order, nothing repeated or missing.
  REQUIRE(on_disk.size() <= text.size());
  CHECK(text.compare(text.size() - on_disk.size(), on_disk.size(), on_disk) == 0);
  CHECK(log.end() == text.size());
  CHECK(log.begin() == text.size() - on_disk.size());

  auto all = log.read(log.begin(), 1 << 20);
  REQUIRE(all.ok());
  CHECK(all->data == on_disk);
  CHECK(all->skipped == 0);
  auto from_zero = log.read(0, 1 << 20);
  REQUIRE(from_zero.ok());
  CHECK(from_zero->skipped == log.begin());
  CHECK(from_zero->data == on_disk);
}

// A rotation renames only the backups there are, however high the limit; one another writer
// of the files (the keeper, while no daemon ran) added after this log counted them still moves
// up rather than being overwritten.
TEST_CASE("a rotation under a high limit moves up every backup there is, counted or not") {
  temp_dir dir;
  auto logs = logs_in(dir);
  rotating_log log(logs, "p.out", "stdout of 'p'", {4096, 1000});
  REQUIRE(log.open().ok());
  std::string text = numbered_lines(1, 3000);  // 36,000 bytes: 8 rotations
  std::mt19937 rng(3);
  write_in_pieces(log, text, rng, true);
  const std::string at = dir.path + "/logs/p.out";
  std::string on_disk;
  for (int i = 8; i >= 1; --i) on_disk += slurp(at + "." + std::to_string(i));
  on_disk += slurp(at);
  CHECK_FALSE(fs::exists(at + ".9"));
  CHECK(on_disk == text);

  // Two files appear past the eight this log knows of; the next rotation keeps them, oldest last.
  std::ofstream(at + ".9") << "older\n";
  std::ofstream(at + ".10") << "oldest\n";
  const auto before = log.rotations();
  std::string more = numbered_lines(3001, 400);
  log.write(more);
  const auto moved = static_cast<int>(log.rotations() - before);
  REQUIRE(moved >= 1);
  CHECK(slurp(at + "." + std::to_string(10 + moved)) == "oldest\n");
  CHECK(slurp(at + "." + std::to_string(9 + moved)) == "older\n");
  CHECK_FALSE(fs::exists(at + "." + std::to_string(11 + moved)));
  on_disk.clear();
  for (int i = 8 + moved; i >= 1; --i) on_disk += slurp(at + "." + std::to_string(i));
  on_disk += slurp(at);
  CHECK(on_disk == text + more);
}

TEST_CASE("a reader that keeps up sees every byte once, across rotations") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {4096, 1});
  REQUIRE(log.open().ok());
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> lines(1, 300), read_size(1, 5000);
  std::string written, seen;
  std::uint64_t offset = 0;
  int next = 1;
  for (int round = 0; round < 500; ++round) {
    int n = lines(rng);
    std::string text = numbered_lines(next, n);
    next += n;
    log.write(text);
    written += text;
    // Reads in pieces that straddle file boundaries, until caught up.
    while (offset < log.end()) {
      auto chunk = log.read(offset, static_cast<std::size_t>(read_size(rng)));
      REQUIRE(chunk.ok());
      REQUIRE(chunk->skipped == 0);
      seen += chunk->data;
      offset = chunk->offset;
    }
  }
  CHECK(log.rotations() > 100);
  CHECK(seen == written);
}

TEST_CASE("with no backups the file is emptied in place and stays within max_bytes") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {4096, 0});
  REQUIRE(log.open().ok());
  std::string text = numbered_lines(1, 2000);
  log.write(text);
  std::string content = slurp(dir.path + "/logs/p.out");
  CHECK(content.size() <= 4096);
  CHECK(text.compare(text.size() - content.size(), content.size(), content) == 0);
  CHECK_FALSE(fs::exists(dir.path + "/logs/p.out.1"));
  CHECK(log.end() == text.size());
}

TEST_CASE("a line longer than a whole file is split at max_bytes") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {4096, 3});
  REQUIRE(log.open().ok());
  std::string line(10000, 'x');
  log.write("short\n");
  log.write(line + "\n");
  CHECK(slurp(dir.path + "/logs/p.out.3") == "short\n");
  CHECK(slurp(dir.path + "/logs/p.out.2") == std::string(4096, 'x'));
  CHECK(slurp(dir.path + "/logs/p.out.1") == std::string(4096, 'x'));
  CHECK(slurp(dir.path + "/logs/p.out") == std::string(10000 - 8192, 'x') + "\n");
  auto all = log.read(0, 1 << 20);
  REQUIRE(all.ok());
  CHECK(all->data == "short\n" + line + "\n");
}

TEST_CASE("a log opened on files already there goes on after them") {
  temp_dir dir;
  auto logs = logs_in(dir);
  std::string first = numbered_lines(1, 1000);
  {
    rotating_log log(logs, "p.out", "stdout of 'p'", {4096, 5});
    REQUIRE(log.open().ok());
    log.write(first);
  }
  rotating_log again(logs, "p.out", "stdout of 'p'", {4096, 5});
  REQUIRE(again.open().ok());
  CHECK(again.begin() == 0);
  auto kept = again.read(0, 1 << 20);
  REQUIRE(kept.ok());
  CHECK(first.compare(first.size() - kept->data.size(), kept->data.size(), kept->data) == 0);
  std::string more = numbered_lines(1001, 10);
  again.write(more);
  auto tail = again.read(kept->offset, 1 << 20);
  REQUIRE(tail.ok());
  CHECK(tail->data == more);
}

// What a `logs --follow` across a restart relies on (docs/restore.md): a cursor taken from one
// log means the same byte to the next opened on its files, even once bytes were dropped, and
// even when another log (the keeper's, while no daemon ran) rotated them in between.
TEST_CASE("offsets outlive the log, across dropped files and rotations by another log") {
  for (long long backups : {0LL, 2LL}) {
    CAPTURE(backups);
    temp_dir dir;
    auto logs = logs_in(dir);
    const log_limits limits{4096, static_cast<int>(backups)};
    std::uint64_t cursor = 0;
    std::string seen;
    {
      rotating_log first(logs, "p.out", "stdout of 'p'", limits);
      REQUIRE(first.open().ok());
      first.write(numbered_lines(1, 2000));  // far more than the files hold
      REQUIRE(first.begin() > 0);
      cursor = first.end() - 12 * 10;  // the reader is ten lines behind
    }
    {
      rotating_log keeper(logs, "p.out", "stdout of 'p'", limits);
      REQUIRE(keeper.open().ok());
      CHECK(keeper.end() == 2000 * 12);
      keeper.write(numbered_lines(2001, 300));  // within a file or two: the cursor is kept
    }
    rotating_log next(logs, "p.out", "stdout of 'p'", limits);
    REQUIRE(next.open().ok());
    CHECK(next.end() == 2300 * 12);
    auto rest = next.read(cursor, 1 << 20);
    REQUIRE(rest.ok());
    if (backups == 0) {
      // The one file was emptied meanwhile: the lines are gone, and said to be.
      CHECK(rest->skipped > 0);
      CHECK(rest->offset == next.end());
    } else {
      CHECK(rest->skipped == 0);
      CHECK(rest->data == numbered_lines(1991, 310));
    }
  }
}

TEST_CASE("release closes the file; the next write opens it again") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {0, 0});
  REQUIRE(log.open().ok());
  log.write("one\n");
  log.release();
  log.write("two\n");
  CHECK(slurp(dir.path + "/logs/p.out") == "one\ntwo\n");
}

TEST_CASE("failed writes are dropped and counted, and counting stops when writes succeed") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {0, 0});
  REQUIRE(log.open().ok());
  log.write("before\n");
  // A file-size limit fails writes with EFBIG, as a full disk fails them with ENOSPC.
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGXFSZ, &ignore, &old_action) == 0);
  rlimit old_limit{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  rlimit small = old_limit;
  small.rlim_cur = 7;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  log.write("lost one\n");
  log.write("lost two\n");
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  CHECK(log.failed_writes() == 2);
  CHECK(log.dropped_bytes() == 18);
  CHECK(log.error().find("File too large") != std::string::npos);
  CHECK(log.error().find("p.out") != std::string::npos);
  log.write("after\n");
  ::sigaction(SIGXFSZ, &old_action, nullptr);
  CHECK(log.error().empty());
  CHECK(log.failed_writes() == 2);
  CHECK(slurp(dir.path + "/logs/p.out") == "before\nafter\n");
  auto all = log.read(0, 100);
  REQUIRE(all.ok());
  CHECK(all->data == "before\nafter\n");
}

TEST_CASE("check refuses what open would, and open_checked's failure is told and retried") {
  temp_dir dir;
  auto logs = logs_in(dir);
  rotating_log log(logs, "p.out", "stdout of 'p'", {4096, 2});
  REQUIRE(log.check().ok());
  CHECK_FALSE(fs::exists(dir.path + "/logs/p.out"));
  log.open_checked();
  CHECK(fs::is_regular_file(dir.path + "/logs/p.out"));
  CHECK(log.error().empty());

  // Something in the way between the two (here a directory) fails open_checked(), not the
  // start; the stream says why until a write gets through.
  rotating_log late(logs, "q.out", "stdout of 'q'", {4096, 2});
  REQUIRE(late.check().ok());
  fs::create_directory(dir.path + "/logs/q.out");
  late.open_checked();
  CHECK(late.error().find("q.out") != std::string::npos);
  fs::remove(dir.path + "/logs/q.out");
  late.write("first\n");
  CHECK(late.error().empty());
  CHECK(late.failed_writes() == 0);
  CHECK(slurp(dir.path + "/logs/q.out") == "first\n");

  // The files already there are counted when opened: offsets go on after them.
  { std::ofstream(dir.path + "/logs/r.out.1") << "older\n"; }
  { std::ofstream(dir.path + "/logs/r.out") << "old\n"; }
  rotating_log after(logs, "r.out", "stdout of 'r'", {4096, 2});
  REQUIRE(after.check().ok());
  after.open_checked();
  CHECK(after.begin() == 0);
  CHECK(after.end() == 10);

  // A link, or anything but a regular file, is refused by check() itself, as by open().
  fs::create_symlink(dir.path + "/elsewhere", dir.path + "/logs/s.out");
  rotating_log linked(logs, "s.out", "stdout of 's'", {4096, 2});
  auto checked = linked.check();
  REQUIRE_FALSE(checked.ok());
  CHECK(checked.message() == linked.open().message());
  CHECK(checked.message().find("symbolic link") != std::string::npos);
  fs::create_directory(dir.path + "/logs/t.out");
  rotating_log directory(logs, "t.out", "stdout of 't'", {4096, 2});
  checked = directory.check();
  REQUIRE_FALSE(checked.ok());
  CHECK(checked.message().find("t.out") != std::string::npos);
  CHECK_FALSE(directory.open().ok());
  CHECK_FALSE(fs::exists(dir.path + "/elsewhere"));
}

TEST_CASE("a planted symbolic link is never written through") {
  temp_dir dir;
  auto logs = logs_in(dir);
  std::string target = dir.path + "/target";
  { std::ofstream(target) << "precious\n"; }

  fs::create_symlink(target, dir.path + "/logs/p.out");
  rotating_log refused(logs, "p.out", "stdout of 'p'", {4096, 2});
  auto opened = refused.open();
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.message().find("symbolic link") != std::string::npos);
  refused.write("through the link?\n");
  CHECK(refused.failed_writes() == 1);
  CHECK(slurp(target) == "precious\n");

  // A link in place of a backup is replaced by the rotation, not followed.
  fs::create_symlink(target, dir.path + "/logs/q.out.1");
  rotating_log log(logs, "q.out", "stdout of 'q'", {4096, 2});
  REQUIRE(log.open().ok());
  log.write(numbered_lines(1, 1000));
  CHECK(slurp(target) == "precious\n");
  CHECK_FALSE(fs::is_symlink(dir.path + "/logs/q.out.1"));

  // remove_files deletes links and files by name, never what a link points to.
  fs::create_symlink(target, dir.path + "/logs/q.out.3");
  log.remove_files();
  CHECK(slurp(target) == "precious\n");
  for (const char* f : {"q.out", "q.out.1", "q.out.2", "q.out.3"})
    CHECK_FALSE(fs::exists(fs::symlink_status(dir.path + "/logs/" + f)));
}

TEST_CASE("the log directory is refused when it is a symbolic link") {
  temp_dir dir;
  fs::create_directory(dir.path + "/elsewhere");
  fs::create_directory_symlink(dir.path + "/elsewhere", dir.path + "/logs");
  auto logs = log_directory::open(dir.path + "/logs");
  REQUIRE_FALSE(logs.ok());
  CHECK(logs.error().message().find("symbolic link") != std::string::npos);
  CHECK(fs::is_empty(dir.path + "/elsewhere"));
}

TEST_CASE("a log directory swapped for a link after it was opened is not followed") {
  temp_dir dir;
  auto logs = logs_in(dir);
  fs::create_directory(dir.path + "/elsewhere");
  fs::rename(dir.path + "/logs", dir.path + "/moved");
  fs::create_directory_symlink(dir.path + "/elsewhere", dir.path + "/logs");
  rotating_log log(logs, "p.out", "stdout of 'p'", {4096, 1});
  REQUIRE(log.open().ok());
  log.write("kept where it was\n");
  CHECK(fs::is_empty(dir.path + "/elsewhere"));
  CHECK(slurp(dir.path + "/moved/p.out") == "kept where it was\n");
}

TEST_CASE("bytes from a pipe leave it only as they enter the file, across rotations") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {4096, 1000});
  REQUIRE(log.open().ok());
  auto [read_end, write_end] = child_pipe();
  std::string text = numbered_lines(1, 2000);  // 24,000 bytes: five rotations
  std::string_view rest = text;
  while (!rest.empty()) {
    // What output_pipe does: the chunk is still in the pipe when the log gets it.
    std::size_t n = std::min<std::size_t>(rest.size(), 5000);
    REQUIRE(::write(write_end.get(), rest.data(), n) == static_cast<ssize_t>(n));
    std::size_t moved = log.write(rest.substr(0, n), read_end.get());
    CHECK(moved == n);
    rest.remove_prefix(n);
  }
  char c;
  CHECK(::read(read_end.get(), &c, 1) == -1);  // nothing left behind, nothing taken twice
  CHECK(errno == EAGAIN);
  CHECK(log.rotations() == 5);
  auto all = log.read(0, 1 << 20);
  REQUIRE(all.ok());
  CHECK(all->data == text);
  for (const char* f : {"p.out.5", "p.out.1", "p.out"}) {
    std::string content = slurp(dir.path + "/logs/" + f);
    CHECK(content.size() <= 4096);
    CHECK(content.rfind("line ", 0) == 0);
  }
}

TEST_CASE("what a failed write from a pipe did not move is left in the pipe for the caller") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {0, 0});
  REQUIRE(log.open().ok());
  auto [read_end, write_end] = child_pipe();
  std::string text = numbered_lines(1, 10);
  REQUIRE(::write(write_end.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  // The directory gone and the file with it: the log cannot open anything to write to.
  log.release();
  fs::remove_all(dir.path + "/logs");
  CHECK(log.write(text, read_end.get()) == 0);
  CHECK(log.dropped_bytes() == text.size());
  std::string left(text.size(), '\0');
  CHECK(::read(read_end.get(), left.data(), left.size()) == static_cast<ssize_t>(text.size()));
  CHECK(left == text);
}

TEST_CASE("a file emptied behind the log's back is written from its new end, with no hole") {
  temp_dir dir;
  rotating_log log(logs_in(dir), "p.out", "stdout of 'p'", {0, 0});
  REQUIRE(log.open().ok());
  log.write(numbered_lines(1, 100));
  { std::ofstream truncate(dir.path + "/logs/p.out", std::ios::trunc); }
  log.write(numbered_lines(101, 1));
  CHECK(slurp(dir.path + "/logs/p.out") == numbered_lines(101, 1));
}
