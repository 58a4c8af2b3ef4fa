#!/usr/bin/env python3
"""Reads the rows every benchmark printed (stdin) and sets each of shoal's targets beside what
it is measured against in the same run: a peer (s6, supervisord, Python's multiprocessing) or a
baseline. A target is a ratio, never a time; a figure that was not measured says so.

    bench/run.sh prints this at its end; by hand: ... | python3 bench/targets.py"""

import sys

# (what, shoal's key, the other key, how they compare, the target)
#   faster:  shoal's time / the other's time must be at most `limit`
#   smaller: shoal's memory / the other's, likewise
#   rate:    the other's rate / shoal's rate must be at most `limit`  (time per op, likewise)
#   below:   shoal's figure must be under `limit` (an absolute bound, the other shown beside)
TARGETS = [
    ("`shoal status NAME` as a command vs `s6-svstat DIR`",
     "s6.shoal_status_cmd", "s6.svstat_cmd", "faster", 1.0),
    ("`shoal ping` as a command vs `s6-svstat DIR`",
     "s6.shoal_ping_cmd", "s6.svstat_cmd", "faster", 1.0),
    ("start + join of /bin/true, one at a time vs posix_spawn + waitpid",
     "spawn.sequential", "spawn.baseline", "faster", 1.3),
    ("the `start` reply vs the posix_spawn call",
     "spawn.start_reply", "spawn.baseline_call", "faster", 1.5),
    ("start 100 `sleep`, one write vs 100 posix_spawns",
     "spawn.batch", "spawn.baseline_batch", "faster", 1.2),
    ("start 100 services, one write vs s6 (100 up, confirmed)",
     "s6.shoal_start_all", "s6.up_all", "faster", 0.25),
    ("status of 100 running, persistent client vs supervisord getAllProcessInfo",
     "supervisord.shoal_status_all", "supervisord.get_all", "faster", 1 / 75),
    ("status of 10,000 live vs nlohmann/json alone (bench/run.sh --scale)",
     "scale.status_all@10000", "scale.status_json_floor@10000", "faster", 2.0),
    ("shoald wake-ups per second, idle, no lock held (vs s6-svscan)",
     "s6.shoald_wakeups", "s6.svscan_wakeups", "below", 0.5),
    ("shoald PSS fresh, KiB (vs s6-svscan)",
     "memory.pss_fresh", "s6.svscan_pss", "below", 1024),
    ("shoald PSS idle after a burst of 1,000 processes, KiB",
     "memory.pss_burst", None, "below", 2048),
    ("locked increments, 2 processes: shared.hpp vs the contended semaphore",
     "values.contended_library", "values.contended_floor", "rate", 2.0),
    ("locked increments, 2 processes: shared.hpp vs Python's Value under get_lock()",
     "values.contended_library", "mp.value_locked", "rate", 0.1),
]

# Informative pairs without a target: printed with their ratio only.
ALSO = [
    ("`shoal status` (100 running) as a command vs `supervisorctl status`",
     "supervisord.shoal_status_cmd", "supervisord.ctl_status_cmd", "faster"),
    ("shoal start as a command vs `s6-svc -wu -u`", "s6.shoal_start_cmd", "s6.svc_up_cmd", "faster"),
    ("shoal stop as a command vs `s6-svc -wd -d`", "s6.shoal_stop_cmd", "s6.svc_down_cmd", "faster"),
    ("stop 100, one write vs s6 (100 down, confirmed)", "s6.shoal_stop_all", "s6.down_all", "faster"),
    ("start 100, one write vs supervisord startAllProcesses",
     "supervisord.shoal_start_all", "supervisord.start_all", "faster"),
    ("stop 100, one write vs supervisord stopAllProcesses",
     "supervisord.shoal_stop_all", "supervisord.stop_all", "faster"),
    ("start + join, one connection vs Python Process (fork)",
     "mp.shoal_start_join", "mp.fork_start_join", "faster"),
    ("start + join, one connection vs Python Process (spawn)",
     "mp.shoal_start_join", "mp.spawn_start_join", "faster"),
    ("shoald PSS, 100 running vs s6-svscan + 100 s6-supervise",
     "s6.shoald_pss_all", "s6.tree_pss_all", "smaller"),
    ("shoald PSS vs supervisord PSS, 100 running",
     "supervisord.shoald_pss", "supervisord.pss", "smaller"),
]


def read_rows(lines):
    """Every row under a `figure ...` header, by key: {"value": its first figure (median_us,
    ops/s or the quantity), "x_base": its ratio to its baseline or None}. Scale rows, which
    carry a size first, are keyed key@size. A peer's `GROUP.unavailable` row keeps its reason
    as the value."""
    rows, columns = {}, None
    for line in lines:
        fields = line.split()
        if not fields:
            continue
        if fields[0] == "figure":
            columns = fields[1:-1]  # without "what"
            continue
        if columns is None or "." not in fields[0] or not fields[0][0].islower():
            continue
        key, values = fields[0], fields[1:]
        if columns and columns[0] == "size" and values:
            key, values = f"{key}@{values[0]}", values[1:]
            named = columns[1:]
        else:
            named = columns
        if values and values[0] == "unavailable":
            group = key.split(".")[0]
            rows.setdefault(group + ".unavailable", {"value": " ".join(values[1:]), "x_base": None})
            continue
        row = dict(zip(named, values))
        try:
            value = float(values[0])
        except (ValueError, IndexError):
            continue
        x_base = row.get("x_base")
        rows.setdefault(key, {"value": value,
                              "x_base": float(x_base) if x_base not in (None, "-") else None})
    return rows


def read_figures(lines):
    rows = read_rows(lines)
    return {k: r["value"] for k, r in rows.items()}, rows


def missing(figures, key):
    if key is None or key in figures:
        return ""
    group = key.split(".")[0]
    why = figures.get(group + ".unavailable")
    if why:
        return f"not measured: {why}"
    if group == "scale":
        return "not measured (bench/run.sh --scale)"
    return f"not measured ({key} missing)"


def ratio_of(figures, mine, other, kind):
    """How many times shoal's figure is the other's, as a time: < 1 is shoal faster."""
    if kind == "rate":
        return figures[other] / figures[mine] if figures[mine] else float("inf")
    return figures[mine] / figures[other] if figures[other] else float("inf")


def times(r, kind):
    """The ratio in words, for the ratios far from 1 that a reader would rather see inverted."""
    better, worse = ("smaller", "larger") if kind == "smaller" else ("faster", "slower")
    if 0 < r < 0.5:
        return f" (shoal {1 / r:.1f}x {better})"
    if r > 2:
        return f" (shoal {r:.1f}x {worse})"
    return ""


def main():
    figures, rows = read_figures(sys.stdin)
    ratios = [(k, r["x_base"]) for k, r in rows.items() if r["x_base"] is not None]
    if ratios:
        print("\nsummary: each figure / its baseline (x_base; 1.00 = as fast as the baseline)")
        for key, x in ratios:
            print(f"  {key:<30} {x:8.2f}")
    print("\ntargets: shoal / what it is measured against in this run (time ratios: < 1 means "
          "shoal is faster)")
    print(f"{'verdict':<9} {'ratio':>9} {'target':>9}  what")
    for what, mine, other, kind, limit in TARGETS:
        # An absolute bound is judged on shoal's figure alone; the other is only shown beside.
        gap = missing(figures, mine) or (kind != "below" and missing(figures, other))
        if gap:
            print(f"{'-':<9} {'-':>9} {'-':>9}  {what}: {gap}")
            continue
        if kind == "below":
            value = figures[mine]
            beside = ""
            if other:
                shown = f"{figures[other]:.1f}" if other in figures else missing(figures, other)
                beside = f" ({other}: {shown})"
            verdict = "met" if value < limit else "missed"
            print(f"{verdict:<9} {value:9.1f} {'< ' + format(limit, 'g'):>9}  {what}{beside}")
            continue
        r = ratio_of(figures, mine, other, kind)
        verdict = "met" if r <= limit else "missed"
        print(f"{verdict:<9} {r:9.3f} {'<= ' + format(limit, '.3g'):>9}  {what}{times(r, kind)}")
    print("\nalso measured side by side (no target)")
    for what, mine, other, kind in ALSO:
        gap = missing(figures, mine) or missing(figures, other)
        if gap:
            print(f"{'':<9} {'-':>9} {'':>9}  {what}: {gap}")
            continue
        r = ratio_of(figures, mine, other, kind)
        print(f"{'':<9} {r:9.3f} {'':>9}  {what}{times(r, kind)}")


if __name__ == "__main__":
    main()
