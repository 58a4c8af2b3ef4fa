// Targets expanded against a process table: the records they name, in natural order, each once,
// and declared instances that never started by name only.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "daemon/supervisor.hpp"
#include "daemon/targets.hpp"
#include "unit/supervision_rig.hpp"

using namespace shoal;
using namespace shoal::testing;

namespace {

struct table : supervision_rig {
  void start(const std::string& name, const std::string& program = "") {
    process_spec spec;
    spec.argv = {"/bin/daemonish"};
    spec.program = program;
    REQUIRE(s.start(name, spec).ok());
  }
  void declare(const std::string& name, const std::string& program) {
    process_spec spec;
    spec.argv = {"/bin/daemonish"};
    spec.program = program;
    s.declare(name, spec);
  }
  // The names each target expands to, and whether each has a record: "w-2" or "(w-3)".
  std::vector<std::string> expand(const std::vector<std::string>& targets,
                                  target_scope scope = target_scope::records) {
    auto expanded = expand_targets(s, targets, scope);
    REQUIRE(expanded.ok());
    std::vector<std::string> out;
    for (const auto& m : *expanded) {
      if (m.record) CHECK(s.find(m.name()) == m.record);
      out.push_back(m.record ? m.name() : "(" + m.name() + ")");
    }
    return out;
  }
};

}  // namespace

TEST_CASE("targets expand to records in natural order, each name once") {
  table t;
  for (const char* name : {"w-10", "x", "w-2", "w-1"}) t.start(name);
  CHECK(t.expand({"all"}) == std::vector<std::string>{"w-1", "w-2", "w-10", "x"});
  CHECK(t.expand({"w-*", "x", "w-2"}) == std::vector<std::string>{"w-1", "w-2", "w-10", "x"});
  CHECK(t.expand({"x", "w-*"}) == std::vector<std::string>{"x", "w-1", "w-2", "w-10"});
  CHECK(t.expand({"w-2", "w-2"}) == std::vector<std::string>{"w-2"});
  CHECK(expand_targets(t.s, {"nope-*"}, target_scope::records).error().code() == errc::not_found);
  CHECK(expand_targets(t.s, {"nope"}, target_scope::records).error().code() == errc::not_found);
  CHECK(expand_targets(t.s, {"a b"}, target_scope::records).error().code() == errc::bad_request);
}

TEST_CASE("a program's instances and declared names that never started, by scope") {
  table t;
  t.declare("web-1", "web");
  t.declare("web-3", "web");
  t.declare("web-20", "web");
  t.start("web-20", "web");
  t.start("other");
  CHECK(t.expand({"web"}) == std::vector<std::string>{"web-20"});
  CHECK(t.expand({"web"}, target_scope::records_and_declared) ==
        std::vector<std::string>{"(web-1)", "(web-3)", "web-20"});
  CHECK(t.expand({"all"}, target_scope::records_and_declared) ==
        std::vector<std::string>{"other", "(web-1)", "(web-3)", "web-20"});
  CHECK(t.expand({"web-3", "web-*"}, target_scope::records_and_declared) ==
        std::vector<std::string>{"(web-3)", "(web-1)", "web-20"});
  CHECK(expand_targets(t.s, {"web-3"}, target_scope::records).error().code() == errc::not_found);
}
