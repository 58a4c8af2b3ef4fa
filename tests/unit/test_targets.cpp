// Targets on the command line and in `status`' names: their spelling, glob matching, and the
// natural order names are listed in.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "common/natural_order.hpp"
#include "common/target_pattern.hpp"

using namespace shoal;

TEST_CASE("natural order compares digit runs as numbers") {
  CHECK(natural_less("w-2", "w-10"));
  CHECK_FALSE(natural_less("w-10", "w-2"));
  CHECK(natural_less("w-9", "w-10"));
  CHECK(natural_less("a", "b"));
  CHECK(natural_less("w", "w-1"));
  CHECK(natural_less("7", "07"));  // a tie on value: the shorter run first, so the order is total
  CHECK_FALSE(natural_less("w-1", "w-1"));
  std::vector<std::string> names = {"w-10", "web", "w-2", "w-1", "w-100", "W-3"};
  std::sort(names.begin(), names.end(),
            [](const std::string& a, const std::string& b) { return natural_less(a, b); });
  CHECK(names == std::vector<std::string>{"W-3", "w-1", "w-2", "w-10", "w-100", "web"});
}

TEST_CASE("a table keyed in natural order lists naturally and keeps every distinct name") {
  std::map<std::string, int, natural_order> table;
  for (const char* name : {"w-10", "07", "w-2", "7", "web", "w-1"}) table[name] = 1;
  std::vector<std::string> listed;
  for (const auto& [name, _] : table) listed.push_back(name);
  CHECK(listed == std::vector<std::string>{"7", "07", "w-1", "w-2", "w-10", "web"});
  CHECK(table.find(std::string_view("w-2")) != table.end());
  CHECK(table.find("w-02") == table.end());  // equal in value is not the same name
}

TEST_CASE("a target is a name, or a glob of name characters") {
  for (const char* ok : {"web", "web-1", "all", "web-*", "w?b", "w-[0-9]", "w-[!0]", "*"}) {
    CAPTURE(ok);
    CHECK(is_valid_target(ok));
  }
  for (const char* bad : {"", "../etc", "a b", "-x", "web/*", "$(x)", "*;rm"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_target(bad));
  }
  CHECK(is_glob("web-*"));
  CHECK(is_glob("w[12]"));
  CHECK_FALSE(is_glob("web-1"));
}

TEST_CASE("globs match as a shell matches file names") {
  CHECK(glob_matches("web-*", "web-1"));
  CHECK(glob_matches("web-*", "web-"));
  CHECK_FALSE(glob_matches("web-*", "web"));
  CHECK(glob_matches("w-?", "w-2"));
  CHECK_FALSE(glob_matches("w-?", "w-10"));
  CHECK(glob_matches("w-[13]", "w-3"));
  CHECK_FALSE(glob_matches("w-[!13]", "w-3"));
  CHECK(glob_matches("*", "anything"));
}
