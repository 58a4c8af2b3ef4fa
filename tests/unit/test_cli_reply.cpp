// How replies become exit codes and error text: the CLI's contract with scripts.
#include <doctest/doctest.h>

#include "client/reply.hpp"

using namespace shoal;
using namespace shoal::cli;

namespace {

json ok_reply(json result) { return {{"id", 1}, {"ok", true}, {"result", std::move(result)}}; }

json error_reply(const char* code, const char* message) {
  return {{"id", 1}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

json record(json exitcode) {
  return {{"name", "bear"}, {"state", "exited"}, {"exitcode", std::move(exitcode)}};
}

}  // namespace

TEST_CASE("a reply is ok, refused or, when the daemon could not be talked to, failed") {
  auto ok = classify(ok_reply({{"pid", 4}}));
  CHECK(ok.what == outcome::kind::ok);
  CHECK(ok.result == json{{"pid", 4}});
  CHECK(exit_code(ok) == 0);

  auto refused = classify(error_reply("not_found", "no process named 'wolf'"));
  CHECK(refused.what == outcome::kind::refused);
  CHECK(refused.code == "not_found");
  CHECK(exit_code(refused) == 1);

  auto failed = classify(result<json>(status{errc::internal, "cannot connect"}));
  CHECK(failed.what == outcome::kind::failed);
  CHECK(exit_code(failed) == 3);

  auto garbled = classify(json{{"id", 1}, {"result", 3}});
  CHECK(garbled.what == outcome::kind::failed);
  CHECK(exit_code(garbled) == 3);
}

TEST_CASE("a refusal without a proper error object still exits 1 with a message") {
  auto o = classify(json{{"id", 1}, {"ok", false}});
  CHECK(o.what == outcome::kind::refused);
  CHECK(exit_code(o) == 1);
  CHECK_FALSE(o.code.empty());
  CHECK_FALSE(o.message.empty());
}

TEST_CASE("join exits with the child's status, 128+N for signal N, 124 on timeout, else 125") {
  CHECK(join_exit_code(classify(ok_reply(record(0)))) == 0);
  CHECK(join_exit_code(classify(ok_reply(record(3)))) == 3);
  CHECK(join_exit_code(classify(ok_reply(record(42)))) == 42);
  CHECK(join_exit_code(classify(ok_reply(record(255)))) == 255);
  CHECK(join_exit_code(classify(ok_reply(record(-9)))) == 137);
  CHECK(join_exit_code(classify(ok_reply(record(-15)))) == 143);
  CHECK(join_exit_code(classify(ok_reply(record(nullptr)))) == 125);
  CHECK(join_exit_code(classify(error_reply("timeout", "still running"))) == 124);
  CHECK(join_exit_code(classify(error_reply("not_found", "no process named 'x'"))) == 125);
  CHECK(join_exit_code(classify(result<json>(status{errc::internal, "gone"}))) == 125);
}

TEST_CASE("errors print as 'shoal: code: message', every line of a failure prefixed") {
  cli::output err;
  print_error(err, classify(error_reply("not_found", "no process named 'wolf'")));
  CHECK(err.str() == "shoal: not_found: no process named 'wolf'\n");

  cli::output err2;
  print_error(err2, classify(result<json>(status{errc::internal, "cannot connect\nstart it"})));
  CHECK(err2.str() == "shoal: cannot connect\nshoal: start it\n");

  cli::output none;
  print_error(none, classify(ok_reply(json::object())));
  CHECK(none.str().empty());
}
