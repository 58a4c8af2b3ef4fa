#include <doctest/doctest.h>

#include <vector>

#include "daemon/client_budget.hpp"

using namespace shoal;

TEST_CASE("the budget sums what clients hold and calls for relief only on growth past the cap") {
  client_budget budget(100);
  int calls = 0;
  budget.on_over_cap([&] { ++calls; });
  budget.update(0, 60);
  budget.update(0, 40);
  CHECK(budget.held() == 100);
  CHECK_FALSE(budget.over());
  CHECK(calls == 0);
  budget.update(40, 50);
  CHECK(budget.over());
  CHECK(calls == 1);
  // Giving bytes back never asks for relief, even while still over.
  budget.update(60, 59);
  CHECK(budget.held() == 109);
  CHECK(calls == 1);
  budget.update(59, 0);
  CHECK(budget.held() == 50);
  CHECK_FALSE(budget.over());
}

TEST_CASE("relief that cuts clients off is not re-entered by the bytes they give back") {
  client_budget budget(10);
  std::vector<std::size_t> clients{6, 3};
  int calls = 0;
  budget.update(0, 6);
  budget.update(0, 3);
  budget.on_over_cap([&] {
    ++calls;
    // Cut the largest off; its release, and a growth of another one meanwhile, come back in.
    budget.update(clients[0], 0);
    clients[0] = 0;
    budget.update(3, 20);
    clients[1] = 20;
  });
  budget.update(0, 5);
  CHECK(calls == 1);
  CHECK(budget.held() == 25);
}

TEST_CASE("a waiting request is charged above what nlohmann::json may hold for its line") {
  // Measured: a 1 MiB line of `[{},{},...]` holds 29.3 bytes per byte once parsed.
  CHECK(waiting_request_bytes(1 << 20) >= std::size_t{30} << 20);
  CHECK(waiting_request_bytes(0) > 0);
  CHECK(min_max_queued_bytes >= 2 * ((std::size_t{1} << 20) + 16 * 1024));
}
