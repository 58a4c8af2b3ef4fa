// The soft RLIMIT_NOFILE of shoald, of its keeper, and of what they start.
//
// shoald and its keeper hold descriptors for every child (pipes, a pidfd) and for every
// client, so each raises its soft limit to the hard one at start. Their children must not
// inherit that: a program that uses select() fails on a descriptor past FD_SETSIZE (1024),
// and the same program run from a shell, or as a service by systemd, gets the soft limit it
// was given. So each of the two remembers the soft limit it was started with and gives that
// back to whatever it starts: the daemon to the keeper it starts and to the image a `reexec`
// executes (which remember it in turn), the keeper to every child, across any number of
// daemon restarts and re-executions.
//
// posix_spawn has no resource-limit attribute, so the limit is lowered around the spawn (or
// the exec) and raised again: descriptors already open stay valid whatever their number;
// only a new descriptor past the lowered limit could not be opened meanwhile. Both processes
// are single-threaded, so nothing else opens one during that window.
#pragma once

#include <sys/resource.h>

namespace shoal {

// Remembers the soft limit this process was started with, then raises it to the hard one.
// Best effort: when the limit cannot be read or raised, it stays as it was.
void raise_descriptor_limit();

// For its lifetime, the soft limit is the one this process was started with (never above
// the current hard limit): what a process spawned or executed meanwhile inherits. Does
// nothing in a process that never raised its limit (unit tests).
class started_descriptor_limit_scope {
 public:
  started_descriptor_limit_scope();
  ~started_descriptor_limit_scope();
  started_descriptor_limit_scope(const started_descriptor_limit_scope&) = delete;
  started_descriptor_limit_scope& operator=(const started_descriptor_limit_scope&) = delete;

 private:
  rlimit restore_{};
  bool lowered_ = false;
};

}  // namespace shoal
