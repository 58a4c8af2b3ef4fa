#include "daemon/descriptor_limit.hpp"

#include <optional>

namespace shoal {
namespace {

// Written once, before the first spawn, by the process's only thread.
std::optional<rlim_t> started_with;

}  // namespace

void raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  started_with = lim.rlim_cur;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

started_descriptor_limit_scope::started_descriptor_limit_scope() {
  if (!started_with || ::getrlimit(RLIMIT_NOFILE, &restore_) != 0) return;
  rlimit lowered = restore_;
  lowered.rlim_cur = *started_with < restore_.rlim_max ? *started_with : restore_.rlim_max;
  if (lowered.rlim_cur == restore_.rlim_cur) return;
  lowered_ = ::setrlimit(RLIMIT_NOFILE, &lowered) == 0;
}

started_descriptor_limit_scope::~started_descriptor_limit_scope() {
  if (lowered_) ::setrlimit(RLIMIT_NOFILE, &restore_);
}

}  // namespace shoal
