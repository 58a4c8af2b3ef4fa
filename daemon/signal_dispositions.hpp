// What each signal does to shoald; docs/service.md ("Signals") and shoald(8) list them.
//
// The event loop handles the signals that mean something (shutdown, reload, SIGCHLD). Every
// other signal whose default action would end the daemon is ignored, so a stray `kill -USR1`
// or an expired alarm never takes the supervisor and its bookkeeping down. Left at their
// default are the signals that report a fault in shoald itself (SIGSEGV, SIGBUS, SIGILL,
// SIGFPE, SIGABRT, SIGSYS, SIGTRAP): ignoring a fault does not make it go away. Children never
// inherit any of this: the spawner resets every disposition to its default.
#pragma once

#include <csignal>

namespace shoal {

// A clean stop of every child, then exit 0; a second one kills what is left.
inline constexpr int shutdown_signals[] = {SIGTERM, SIGINT, SIGQUIT};
// Exit at once, leaving every child to the keeper (docs/restore.md): the upgrade path.
inline constexpr int detach_signal = SIGUSR2;

// Sets SIG_IGN for every signal that would end the daemon and that it gives no meaning:
// SIGPIPE, SIGUSR1, SIGUSR2 (until the loop takes it as detach_signal), SIGALRM, SIGVTALRM,
// SIGPROF, SIGIO, SIGPWR, SIGSTKFLT, SIGXCPU, SIGXFSZ and the real-time signals. Runs before the
// first spawn and before the loop adds its own handlers.
void ignore_meaningless_signals();

}  // namespace shoal
