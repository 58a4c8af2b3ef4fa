#include "daemon/signal_dispositions.hpp"

#include <signal.h>

#include <initializer_list>

namespace shoal {

void ignore_meaningless_signals() {
  // SIGXCPU and SIGXFSZ: past a soft limit the failing call then returns an error, which the
  // daemon reports like any other, instead of the process dying.
  // SIGUSR2 too, until the loop gives it its meaning (detach_signal): one sent during
  // start-up must not end the daemon.
  for (int signo : {SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR,
                    SIGSTKFLT, SIGXCPU, SIGXFSZ})
    ::signal(signo, SIG_IGN);
  // SIGRTMIN is a function in glibc: it skips the signals glibc keeps for itself.
  for (int signo = SIGRTMIN; signo <= SIGRTMAX; ++signo) ::signal(signo, SIG_IGN);
}

}  // namespace shoal
