#include "client/reconnect.hpp"

#include <algorithm>
#include <thread>

namespace shoal::cli {

deadline deadline_after(std::optional<double> seconds) {
  if (!seconds) return std::nullopt;
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(*seconds));
}

std::optional<connection> reconnect(invocation& inv, std::string_view doing, deadline until,
                                    const std::function<bool()>& give_up) {
  inv.err << "shoal: lost shoald at " << inv.socket_path << " while " << doing << "; waiting up to "
          << daemon_return_patience.count() << " s for it to come back\n";
  inv.err.flush();
  auto end = std::chrono::steady_clock::now() + daemon_return_patience;
  if (until) end = std::min(end, *until);
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (give_up && give_up()) return std::nullopt;
    if (auto conn = connection::open(inv.socket_path)) return std::move(*conn);
  }
  return std::nullopt;
}

}  // namespace shoal::cli
