#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "daemon/record_table.hpp"

using namespace shoal;

namespace {

std::unique_ptr<process_record> record(const std::string& name, pid_t pid) {
  auto r = std::make_unique<process_record>();
  r->name = name;
  r->pid = pid;
  return r;
}

std::vector<std::string> names(const record_table& t) {
  std::vector<std::string> out;
  for (const process_record* r : t.in_order()) out.push_back(r->name);
  return out;
}

}  // namespace

TEST_CASE("record_table lists its records in natural order, after every change") {
  record_table t;
  CHECK(t.in_order().empty());
  t.put("w-10", record("w-10", 10));
  t.put("w-2", record("w-2", 2));
  CHECK(names(t) == std::vector<std::string>{"w-2", "w-10"});
  // Listed once: the kept order must follow the records that come after it.
  t.put("w-1", record("w-1", 1));
  CHECK(names(t) == std::vector<std::string>{"w-1", "w-2", "w-10"});
  t.erase(t.find("w-2"));
  CHECK(names(t) == std::vector<std::string>{"w-1", "w-10"});
  CHECK_FALSE(t.contains("w-2"));
}

TEST_CASE("record_table: a record put under a taken name replaces it in the listing") {
  record_table t;
  t.put("web", record("web", 100));
  REQUIRE(t.in_order().front()->pid == 100);
  process_record& replaced = t.put("web", record("web", 200));
  CHECK(replaced.pid == 200);
  REQUIRE(t.in_order().size() == 1);
  CHECK(t.in_order().front() == &replaced);
  CHECK(t.find("web")->second.get() == &replaced);
}
