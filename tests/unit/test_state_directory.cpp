#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/shared_names.hpp"
#include "daemon/state_directory.hpp"
#include "unit/temp_dir.hpp"

using namespace shoal;

namespace {

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

using shoal::testing::temp_dir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("random base names: the documented shape, never the same twice") {
  auto a = random_base_name(), b = random_base_name();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a != *b);
  CHECK(a->rfind("/shoal-" + std::to_string(::geteuid()) + "-", 0) == 0);
  CHECK(a->size() == std::string("/shoal-" + std::to_string(::geteuid()) + "-").size() + 32);
  CHECK(is_base_name(*a));
  auto names = names_for_base(*a);
  CHECK(names.shm == *a);
  CHECK(names.lock == *a + "-lock");
  CHECK(segment_file(names.shm) == "/dev/shm" + *a);
  CHECK(semaphore_file(names.lock) == "/dev/shm/sem." + a->substr(1) + "-lock");
}

TEST_CASE("is_base_name refuses what shoald does not write") {
  CHECK(is_base_name("/shoal-0-0123456789abcdef0123456789abcdef"));
  CHECK_FALSE(is_base_name("/shoal-0-0123456789abcdef"));                  // too short
  CHECK_FALSE(is_base_name("/shoal-0-0123456789ABCDEF0123456789abcdef"));  // upper case
  CHECK_FALSE(is_base_name("/shoal--0123456789abcdef0123456789abcdef"));   // no uid
  CHECK_FALSE(is_base_name("/shoal-x-0123456789abcdef0123456789abcdef"));
  CHECK_FALSE(is_base_name("/../etc/passwd"));
  CHECK_FALSE(is_base_name("/shoal-0-0123456789abcdef0123456789abcdef/x"));
  CHECK_FALSE(is_base_name(""));
}

TEST_CASE("an absent state directory and its logs are created 0700") {
  temp_dir tmp;
  std::string path = tmp.path + "/a/b/state";
  auto dir = state_directory::open(path, true);
  REQUIRE(dir.ok());
  CHECK(mode_of(path) == 0700);
  CHECK(mode_of(path + "/logs") == 0700);
  CHECK(mode_of(tmp.path + "/a") == 0700);
  CHECK(dir->logs_path() == path + "/logs");
}

TEST_CASE("without create, an absent directory is not_found and nothing is made") {
  temp_dir tmp;
  auto dir = state_directory::open(tmp.path + "/state", false);
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().code() == errc::not_found);
  CHECK_FALSE(std::filesystem::exists(tmp.path + "/state"));
}

TEST_CASE("a directory that group or others may write is refused, naming it") {
  temp_dir tmp;
  std::string path = tmp.path + "/state";
  REQUIRE(::mkdir(path.c_str(), 0700) == 0);
  REQUIRE(::chmod(path.c_str(), 0770) == 0);
  auto dir = state_directory::open(path, true);
  REQUIRE_FALSE(dir.ok());
  CHECK(mentions(dir.error().message(), "'" + path + "'"));
  CHECK(mentions(dir.error().message(), "mode 0770 lets group write"));
  CHECK_FALSE(std::filesystem::exists(path + "/logs"));

  REQUIRE(::chmod(path.c_str(), 0755) == 0);  // readable by others is fine
  REQUIRE(state_directory::open(path, true).ok());
  REQUIRE(::chmod((path + "/logs").c_str(), 0722) == 0);
  auto logs = state_directory::open(path, true);
  REQUIRE_FALSE(logs.ok());
  CHECK(mentions(logs.error().message(), "log directory '" + path + "/logs'"));
  CHECK(mentions(logs.error().message(), "group and others"));
}

TEST_CASE("a logs/ that is a symbolic link is refused") {
  temp_dir tmp;
  std::string path = tmp.path + "/state";
  REQUIRE(::mkdir(path.c_str(), 0700) == 0);
  REQUIRE(::symlink(tmp.path.c_str(), (path + "/logs").c_str()) == 0);
  auto dir = state_directory::open(path, true);
  REQUIRE_FALSE(dir.ok());
  CHECK(mentions(dir.error().message(), "symbolic link"));
}

TEST_CASE("the instance lock admits one holder at a time and names it") {
  temp_dir tmp;
  auto first = state_directory::open(tmp.path, true);
  REQUIRE(first.ok());
  REQUIRE(first->lock_instance().ok());
  {
    std::ifstream pid(tmp.path + "/shoald.pid");
    std::string text;
    std::getline(pid, text);
    CHECK(text == std::to_string(::getpid()));
  }
  auto second = state_directory::open(tmp.path, true);
  REQUIRE(second.ok());
  auto refused = second->lock_instance();
  CHECK(refused.code() == errc::already_exists);
  CHECK(mentions(refused.message(),
                 "in use by a live shoald (pid " + std::to_string(::getpid()) + ")"));
  {
    auto gone = std::move(*first);  // released with its owner
  }
  CHECK(second->lock_instance().ok());
}

TEST_CASE("the shared name is recorded, read back, forgotten; a foreign record is refused") {
  temp_dir tmp;
  auto dir = state_directory::open(tmp.path, true);
  REQUIRE(dir.ok());
  auto none = dir->shared_name();
  REQUIRE(none.ok());
  CHECK(none->empty());
  auto base = random_base_name();
  REQUIRE(base.ok());
  REQUIRE(dir->record_shared_name(*base).ok());
  CHECK(mode_of(tmp.path + "/shared-name") == 0600);
  CHECK(*dir->shared_name() == *base);
  CHECK_FALSE(std::filesystem::exists(tmp.path + "/shared-name.new"));
  REQUIRE(dir->forget_shared_name().ok());
  CHECK(dir->shared_name()->empty());
  CHECK(dir->forget_shared_name().ok());

  std::ofstream(tmp.path + "/shared-name") << "/etc/passwd\n";
  auto odd = dir->shared_name();
  REQUIRE_FALSE(odd.ok());
  CHECK(mentions(odd.error().message(), "does not hold a name shoald writes"));
  std::filesystem::remove(tmp.path + "/shared-name");
  REQUIRE(::symlink("/etc/hostname", (tmp.path + "/shared-name").c_str()) == 0);
  CHECK_FALSE(dir->shared_name().ok());
}
