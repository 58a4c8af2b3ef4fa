// The keeper: the small process that is the parent of every child shoald starts, so that the
// children, their exit statuses and their output pipes outlive a daemon that crashes or is
// upgraded (docs/restore.md).
//
// It is shoald itself, executed again as `shoald --keeper LOG_DIR` with its listening socket
// (STATE_DIR/keeper.sock) as descriptor 3. It does no JSON and runs no event loop of Asio:
// one poll(2) over the listening socket, the attached daemon, a signalfd for SIGCHLD and,
// while no daemon is attached, the children's pipes.
//
// What it owns, per child it spawned: the start time, the wait status once reaped, and a copy of
// the read end of the stdout and stderr pipes. While a daemon is attached, the daemon alone reads
// the pipes; the keeper's copies only keep them open, so a child never gets SIGPIPE. While none is,
// the keeper appends what the pipes carry to NAME.out and NAME.err itself, so no child blocks on a
// full pipe; the next daemon takes the read ends back (hello) and reads on where the keeper
// stopped.
#pragma once

namespace shoal {

inline constexpr const char* keeper_flag = "--keeper";
// The descriptor the keeper's listening socket arrives on.
inline constexpr int keeper_listen_fd = 3;

// Runs until told to quit; returns the exit code. `log_dir`: STATE_DIR/logs.
int run_keeper(const char* log_dir);

}  // namespace shoal
