// The messages between shoald and its keeper (keeper.hpp), defined once for both ends.
//
// Transport: a SOCK_SEQPACKET Unix socket, one message per packet, so a message is never
// split or merged and its descriptors (SCM_RIGHTS) arrive with it. A message is a
// keeper_header, then for some ops a payload of NUL-terminated strings.
//
// Both ends are the same build most of the time; after an upgrade a new shoald talks to the
// keeper an older one started, so an op keeps its number and meaning once released, and new
// ops are added at the end. hello's answer carries keeper_protocol_version.
#pragma once

#include <cstdint>

namespace shoal {

// 2: a spawn may carry the child's log limits (spawn_has_log_limits).
// 3: a spawn may have no output (spawn_without_output).
// 4: a signal_group may go unanswered (signal_unanswered).
inline constexpr std::uint32_t keeper_protocol_version = 4;
// The largest message: a spawn's argv and environment. Within the socket's default send
// buffer (net.core.wmem_default, 208 KiB), so no privilege is needed to raise it.
inline constexpr std::size_t keeper_max_message = 200 * 1024;
inline constexpr const char* keeper_socket_name = "keeper.sock";

enum class keeper_op : std::uint32_t {
  // shoald -> keeper
  hello = 1,          // attach: answered by one `entry` per child, then `hello_done`
  spawn = 2,          // pid = argc; payload: name, cwd, argv..., env...; fds: stdout and stderr
                      // write ends, then their read ends; answered by `spawned`; with
                      // flags & spawn_has_log_limits (version 2), value and ticks are the
                      // child's log limits as in `log_limits`
  signal_group = 3,   // kill(-pid, value) while pid is an unreaped child; answered by `result`
                      // unless flags & signal_unanswered (version 4)
  stopping = 4,       // pid is being stopped: kill its group just before reaping it
  signal_orphan = 5,  // kill(pid, value) if pid is an unreaped child of the keeper
  forget = 6,         // pid's exit is recorded by shoald: drop the entry and its pipes
  quit = 7,           // shoald stopped every child: exit
  log_limits = 8,     // pid's logs: value = backups, ticks = max bytes (0: never rotated), for
                      // what the keeper writes while no daemon is attached
  // keeper -> shoald
  spawned = 101,     // pid (or -1), value = errno, ticks = start time; fds: the pidfd
  result = 102,      // value = errno (0: done)
  entry = 103,       // pid, ticks, flags & entry_exited (value = wait status); payload: name;
                     // fds: stdout and stderr read ends (those still open), then the pidfd of
                     // a live child, per entry_has_*
  hello_done = 104,  // pid = the keeper's pid, value = keeper_protocol_version
  exited = 105,      // pid was reaped with wait status `value`
};

// A version 1 keeper ignores a spawn's flags, value and ticks: a daemon sends such a keeper
// `log_limits` after the spawn instead.
inline constexpr std::uint32_t spawn_has_log_limits = 1;
// Version 3: no descriptors; the child's stdout and stderr are /dev/null and nothing is kept
// of them. An older keeper is sent /dev/null in place of each of the four descriptors.
inline constexpr std::uint32_t spawn_without_output = 2;

// Version 4: a signal_group whose outcome the daemon does not need (a stop's SIGCONT, its
// escalation): no `result`, so those cost the daemon no wait for the keeper. An older keeper
// answers anyway, so a daemon sends the flag only to a keeper of version 4 or later.
inline constexpr std::uint32_t signal_unanswered = 1;

inline constexpr std::uint32_t entry_exited = 1;
inline constexpr std::uint32_t entry_has_stdout = 2;
inline constexpr std::uint32_t entry_has_stderr = 4;
inline constexpr std::uint32_t entry_has_pidfd = 8;  // after the read ends

struct keeper_header {
  keeper_op op;
  std::int32_t pid = 0;
  std::int32_t value = 0;
  std::uint32_t flags = 0;
  std::uint64_t ticks = 0;  // /proc/PID/stat field 22: clock ticks after boot
};
static_assert(sizeof(keeper_header) == 24);

}  // namespace shoal
