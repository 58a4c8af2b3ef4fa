"""What /proc says of processes: alive or not, asleep, whose children, which environment."""

import os
import signal
import time

from polling import wait_until


def pid_alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat[stat.rindex(b")") + 2:].split()[0]
    return state not in (b"Z", b"X")


# nanosleep and clock_nanosleep, by machine (the kernel's syscall tables).
SLEEP_SYSCALLS = {"x86_64": {35, 230}, "aarch64": {101, 115}, "riscv64": {101, 115},
                  "i686": {162, 265, 407}, "armv7l": {162, 265, 407}}


def in_sleep_syscall(pid):
    """True once `pid` is blocked in nanosleep or clock_nanosleep: a program such as sleep(1)
    has finished starting (its locale loaded, every file it opened to start closed again) and
    will do nothing else until it wakes."""
    try:
        with open(f"/proc/{pid}/syscall") as f:
            fields = f.read().split()
    except OSError:
        return False
    numbers = SLEEP_SYSCALLS.get(os.uname().machine)
    if numbers is not None:
        return bool(fields) and fields[0].isdigit() and int(fields[0]) in numbers
    try:  # another machine: the kernel function it waits in
        with open(f"/proc/{pid}/wchan") as f:
            return "nanosleep" in f.read()
    except OSError:
        return False


def reading_a_socket(tid):
    """True while the thread `tid` of this process waits for data on a Unix stream socket
    (the kernel function it sleeps in)."""
    try:
        with open(f"/proc/self/task/{tid}/wchan") as f:
            return f.read().startswith("unix_stream_read")
    except OSError:
        return False


def wait_asleep(pid, timeout=30):
    wait_until(lambda: in_sleep_syscall(pid), timeout,
               what=f"pid {pid} to settle in its sleep system call")


def voluntary_switches(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise AssertionError(f"no voluntary_ctxt_switches for pid {pid}")


def quiet_for(pid, seconds):
    """The daemon's wake-ups (voluntary context switches) over `seconds` once it has gone
    back to sleep after the last request; the settling itself is bounded."""
    previous = voluntary_switches(pid)
    deadline = time.monotonic() + 10
    while True:  # the reply to our last request may still be on its way out
        time.sleep(0.1)
        now = voluntary_switches(pid)
        if now == previous or time.monotonic() > deadline:
            break
        previous = now
    time.sleep(seconds)
    return voluntary_switches(pid) - now


def each_process(file):
    """(pid, contents of /proc/PID/FILE) for every process whose file could be read."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/{file}", "rb") as f:
                yield int(entry), f.read()
        except OSError:
            continue


def children_of(ppid):
    """(pid, state) for every process whose parent is `ppid`."""
    found = []
    for pid, stat in each_process("stat"):
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[1]) == ppid:
            found.append((pid, fields[0].decode()))
    return found


def is_keeper(pid):
    """Whether `pid` is a live shoald keeper (not a zombie, not a reused pid)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return len(argv) > 1 and argv[1] == b"--keeper" and pid_alive(pid)


def keepers_of(log_dir):
    """The pids of live keepers writing to `log_dir`: found by their command line, for when
    no daemon answered hello to say which one it had."""
    wanted = [b"--keeper", os.fsencode(log_dir)]
    return [pid for pid, cmdline in each_process("cmdline")
            if cmdline.split(b"\0")[1:3] == wanted and pid_alive(pid)]


def kill_keeper(pid, timeout=10):
    """SIGKILL to a keeper and every child it holds; waits until they are gone."""
    for child, _ in children_of(pid):
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    wait_until(lambda: not is_keeper(pid), timeout, what=f"keeper {pid} to die")


def environ_entries(pid, timeout=10):
    """The environment of process `pid`, as its list of KEY=VALUE byte strings. A process just
    started may still be inside execve: its parent has been let go, but the kernel shows the new
    environment only once exec has laid it out (an empty read until then), so wait for it."""
    def read():
        with open(f"/proc/{pid}/environ", "rb") as f:
            return [e for e in f.read().split(b"\0") if e]
    return wait_until(read, timeout, what=f"process {pid} to finish its exec")


def processes_with_env(entry):
    """Pids of live processes whose environment holds exactly `entry` (e.g. SHOAL_SOCKET=...)."""
    needle = entry.encode()
    return [pid for pid, environ in each_process("environ")
            if pid != os.getpid() and needle in environ.split(b"\0") and pid_alive(pid)]
