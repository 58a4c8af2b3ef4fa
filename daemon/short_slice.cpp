#include "daemon/short_slice.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace shoal {

namespace {

// The shortest slice the kernel accepts.
constexpr std::uint64_t slice_ns = 100'000;
constexpr std::uint64_t reset_on_fork = 1;  // SCHED_FLAG_RESET_ON_FORK

// struct sched_attr of <linux/sched/types.h> (its first version), which cannot be included
// beside glibc's <sched.h>.
struct sched_attributes {
  std::uint32_t size;
  std::uint32_t sched_policy;
  std::uint64_t sched_flags;
  std::int32_t sched_nice;
  std::uint32_t sched_priority;
  std::uint64_t sched_runtime;
  std::uint64_t sched_deadline;
  std::uint64_t sched_period;
};
static_assert(sizeof(sched_attributes) == 48);

}  // namespace

void request_short_slice() {
  if (::sched_getscheduler(0) != SCHED_OTHER) return;
  errno = 0;
  int nice = ::getpriority(PRIO_PROCESS, 0);
  if (errno != 0 || nice < 0) return;
  sched_attributes attr{};
  attr.size = sizeof attr;
  attr.sched_policy = SCHED_OTHER;
  attr.sched_flags = reset_on_fork;
  attr.sched_nice = nice;
  attr.sched_runtime = slice_ns;
  (void)::syscall(SYS_sched_setattr, 0, &attr, 0U);
}

}  // namespace shoal
