#include <doctest/doctest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "daemon/file_text.hpp"
#include "unit/temp_dir.hpp"

using namespace shoal;

TEST_CASE("read_file_text reads a file whole, and /proc files, which stat as empty") {
  shoal::testing::temp_dir tmp;
  std::string path = tmp.path + "/f";
  std::string body(10000, 'x');
  body += "\nend\n";
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs(body.c_str(), f);
  std::fclose(f);
  CHECK(read_file_text(path) == body);

  auto stat = read_file_text("/proc/self/stat");
  REQUIRE(stat);
  CHECK(stat->rfind(std::to_string(::getpid()) + " (", 0) == 0);
}

TEST_CASE("read_file_text says why it read nothing") {
  shoal::testing::temp_dir tmp;
  errno = 0;
  CHECK_FALSE(read_file_text(tmp.path + "/missing"));
  CHECK(errno == ENOENT);

  std::string path = tmp.path + "/big";
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs("0123456789", f);
  std::fclose(f);
  CHECK(read_file_text(path, 10) == "0123456789");
  errno = 0;
  CHECK_FALSE(read_file_text(path, 9));
  CHECK(errno == EFBIG);
}
