#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "daemon/path_text.hpp"
#include "daemon/private_directory.hpp"
#include "unit/temp_dir.hpp"

using namespace shoal;

TEST_CASE("normal_path folds '.', '..' and repeated slashes as std::filesystem does") {
  for (const char* path : {"/a//b/./c/../", "/a/b", "a/b/..", "../x", "a/../../y", "/..", "/../a",
                           "./a/", "a/./b/.", "//", "/a/b/../../.."}) {
    CAPTURE(path);
    std::string fs = std::filesystem::path(path).lexically_normal().string();
    // std::filesystem keeps a trailing '/' where the last component was folded away; the
    // daemon never wants one, and an empty result is ".".
    if (fs.size() > 1 && fs.back() == '/') fs.pop_back();
    if (fs.empty()) fs = ".";
    CHECK(normal_path(path) == fs);
  }
  CHECK(normal_path("") == ".");
  CHECK(normal_path("/a/b/") == "/a/b");
}

TEST_CASE("absolute_path puts a relative path after the working directory") {
  std::string cwd = std::filesystem::current_path().string();
  CHECK(absolute_path("x/../y") == cwd + "/y");
  CHECK(absolute_path("/etc//shoal/") == "/etc/shoal");
  CHECK(current_directory() == cwd);
}

TEST_CASE("parent_of and leaf_of split a normal path at its last slash") {
  CHECK(parent_of("/run/shoal/shoal.sock") == "/run/shoal");
  CHECK(leaf_of("/run/shoal/shoal.sock") == "shoal.sock");
  CHECK(parent_of("/run") == "/");
  CHECK(leaf_of("/run") == "run");
  CHECK(parent_of("sock") == ".");
  CHECK(leaf_of("sock") == "sock");
  CHECK(parent_of("/") == "/");
  CHECK(leaf_of("/") == "");
}

TEST_CASE("make_private_dir makes every missing directory of a path, each 0700") {
  shoal::testing::temp_dir tmp;
  std::string deep = tmp.path + "//a/b/./c/";
  REQUIRE(make_private_dir(deep).ok());
  for (const char* sub : {"/a", "/a/b", "/a/b/c"}) {
    struct stat st {};
    REQUIRE(::stat((tmp.path + sub).c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 07777) == 0700);
  }
  CHECK(make_private_dir(deep).ok());  // already there: fine

  std::string file = tmp.path + "/a/file";
  REQUIRE(std::fopen(file.c_str(), "w") != nullptr);
  auto st = make_private_dir(file + "/below");
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("unable to create directory '" + file + "/below'") != std::string::npos);
}
