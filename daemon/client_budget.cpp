#include "daemon/client_budget.hpp"

namespace shoal {

void client_budget::update(std::size_t before, std::size_t after) {
  held_ = held_ - before + after;
  if (after <= before || held_ <= cap_ || relieving_ || !over_cap_) return;
  relieving_ = true;
  over_cap_();
  relieving_ = false;
}

}  // namespace shoal
