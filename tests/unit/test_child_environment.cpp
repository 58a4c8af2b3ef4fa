#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "daemon/child_environment.hpp"

using shoal::child_environment;
using entries = std::vector<std::string>;

TEST_CASE("a later layer replaces a name in place and no name is left twice") {
  child_environment env;
  char a[] = "PATH=/bin", b[] = "SHOAL_NAME=from-daemon-env", c[] = "HOME=/root";
  char* base[] = {a, b, c, nullptr};
  env.set_all(base);
  env.set("SHOAL_NAME", "caller");  // what a request asks for
  env.set("EXTRA", "1");
  env.set("SHOAL_NAME", "web");  // what the daemon sets, last
  CHECK(env.entries() == entries{"PATH=/bin", "SHOAL_NAME=web", "HOME=/root", "EXTRA=1"});
}

TEST_CASE("duplicates within one layer keep the last value") {
  child_environment env;
  char a[] = "X=1", b[] = "Y=2", c[] = "X=3";
  char* base[] = {a, b, c, nullptr};
  env.set_all(base);
  CHECK(env.entries() == entries{"X=3", "Y=2"});
}

TEST_CASE("values may hold '=' and be empty; an entry without '=' is its own name") {
  child_environment env;
  env.set("A", "b=c");
  env.set("EMPTY", "");
  env.set(std::string("ODD"));
  env.set(std::string("ODD"));
  env.set("A=d");
  CHECK(env.entries() == entries{"A=d", "EMPTY=", "ODD"});
}

TEST_CASE("an empty environ is fine") {
  child_environment env;
  env.set_all(nullptr);
  char* none[] = {nullptr};
  env.set_all(none);
  CHECK(env.entries().empty());
}
