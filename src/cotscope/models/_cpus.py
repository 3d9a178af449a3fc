"""How many cores this process may decode on.

`os.cpu_count()` is the machine's count, not this process's share. A Ray task
declared with `num_cpus: 1` on a 2-core node runs beside another such task; if each
set torch to two threads, four OpenMP threads would share two cores and every one of
them would spin at each barrier waiting for a thread that is not running. Ray says a
task's share in `OMP_NUM_THREADS`; a process pinned with `taskset` or a cgroup cpuset
says it in its affinity mask.
"""

from __future__ import annotations

import os


def cpu_budget() -> int:
    """Cores this process may use.

    `OMP_NUM_THREADS` when set (Ray sets it to a task's `num_cpus`), else the CPUs the
    process may run on, else the machine's count.
    """
    declared = os.environ.get("OMP_NUM_THREADS", "").strip()
    if declared.isdigit() and int(declared) > 0:
        return int(declared)
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
