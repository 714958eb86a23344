"""Start-up costs (issue #10): `import collectrules` time and memory, `load_policy()` of every
shipped ruleset in a warm process, and `collectrules list` wall time.

Run:  python benchmarks/bench_startup.py [--quick]

Each figure is the median of several runs; import and CLI figures from fresh interpreters.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

IMPORT = ("import time, resource\nt = time.perf_counter()\nimport collectrules\nt = time.perf_counter() - t\n"
          "print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    n = 3 if ap.parse_args().quick else 7
    imp, rss = [], []
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", IMPORT], capture_output=True, text=True, check=True).stdout.split()
        imp.append(float(out[0]) * 1000)
        rss.append(float(out[1]))
    base = [float(subprocess.run([sys.executable, "-c", "import resource; print(resource.getrusage("
                                  "resource.RUSAGE_SELF).ru_maxrss / 1024)"], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(3)]
    print(f"import collectrules: {statistics.median(imp):.0f} ms, max RSS {statistics.median(rss):.1f} MB "
          f"(bare interpreter {statistics.median(base):.1f} MB)")
    import collectrules

    collectrules.load_policy()  # warm: files in the page cache, modules imported
    loads = []
    for _ in range(n):
        t = time.perf_counter()
        collectrules.load_policy()
        loads.append((time.perf_counter() - t) * 1000)
    print(f"load_policy() of every shipped ruleset, warm process: {statistics.median(loads):.0f} ms")
    walls = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "collectrules.cli", "list"], capture_output=True, check=True)
        walls.append((time.perf_counter() - t) * 1000)
    print(f"collectrules list: {statistics.median(walls):.0f} ms wall")


if __name__ == "__main__":
    main()
