"""Streaming a float32 file through every tail estimator, against a plain read of the file.

The streaming half of ``bench_tail`` (issue 5: a 1e9-value file processed by every tail
estimator with CIs in <= 1.5x a plain sequential chunked read, peak RSS <= 512 MB), also
runnable alone on another machine::

    python -m benchmarks.stream_check                 # n = 1e9, hot and cold page cache
    python -m benchmarks.stream_check --n 1e8 1e9 --modes hot --threads 16 --json out.json

It writes the file (symmetric Pareto(1.5) float32, generated in parallel blocks whose
values do not depend on the thread count), runs each case in a fresh child process (peak
RSS = the child's VmHWM) and deletes the file. ``hot``: the file is in the page cache (read
once, untimed, before the timed runs). ``cold``: before every timed run of either side the
file's pages are dropped from the page cache with ``posix_fadvise(POSIX_FADV_DONTNEED)``
(allowed without root for a file we wrote) and ``mincore`` checks that none stayed
resident. On a virtual machine the host may still cache the disk image: "cold" means not in
this kernel's page cache. Works without numba (the numpy path) and on Python >= 3.10.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
K_MAX = 200_000
BLOCK = 1 << 22          # values per generated block (16 MiB of float32)


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _block(seed: int, b: int, m: int) -> np.ndarray:
    """Block ``b`` of the file: its own generator, so the values do not depend on how many
    threads write the file. float64 uniforms: float32 ones have 2⁻²⁴ resolution, so at
    n = 1e9 each of the largest values would be repeated ~60 times (ties wreck the tail
    estimators); one uniform gives the sign (its top half) and the magnitude (2u mod 1)."""
    u = np.random.default_rng([seed, b]).random(m)
    s = np.where(u < 0.5, 1.0, -1.0)
    u *= 2.0
    np.subtract(u, np.floor(u), out=u)
    np.log1p(-u, out=u)                         # log(1 - v), v uniform on [0, 1)
    u *= -1.0 / 1.5
    np.exp(u, out=u)                            # (1 - v)^(-1/1.5): Pareto(1.5) >= 1
    u *= s
    return u.astype(np.float32)


def write_file(path: str, n: int, seed: int = 0, threads: int | None = None) -> float:
    """Write ``n`` symmetric Pareto(1.5) float32 values to ``path``; returns seconds."""
    t0 = time.perf_counter()
    threads = threads or cpus()
    nb = -(-n // BLOCK)
    with open(path, "wb") as f, ThreadPoolExecutor(threads) as pool:
        for w0 in range(0, nb, 2 * threads):          # bounded memory: one wave at a time
            wave = range(w0, min(nb, w0 + 2 * threads))
            futs = [pool.submit(_block, seed, b, min(BLOCK, n - b * BLOCK)) for b in wave]
            for fu in futs:
                fu.result().tofile(f)
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------
# child process: one (file, per-value path, cache mode) case
# ---------------------------------------------------------------------------------------

def _resident_fraction(path: str) -> float | None:
    """Fraction of ``path``'s pages in the page cache (mmap + mincore), None if unavailable."""
    try:
        import ctypes
        import mmap
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            m = mmap.mmap(fh.fileno(), size, prot=mmap.PROT_READ)
            try:
                a = np.frombuffer(m, np.uint8)
                page = mmap.PAGESIZE
                vec = np.zeros((size + page - 1) // page, np.uint8)
                rc = libc.mincore(ctypes.c_void_p(a.ctypes.data), ctypes.c_size_t(size),
                                  ctypes.c_void_p(vec.ctypes.data))
                del a
            finally:
                m.close()
        return None if rc else float(np.mean(vec & 1))
    except Exception:   # noqa: BLE001 - a diagnostic only
        return None


def _evict(path: str) -> float | None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)   # dirty pages cannot be dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return _resident_fraction(path)


def _direct_ok(path: str) -> bool:
    """Whether ``path`` can be opened with O_DIRECT (not on tmpfs, not off Linux)."""
    if not hasattr(os, "O_DIRECT"):
        return False
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_DIRECT))
    except OSError:
        return False
    return True


def child(path: str, n: int, threads: int, per_value: str, mode: str) -> dict:
    import math

    import stablecheck as sc
    from stablecheck.tail import _fastlog

    if per_value == "numpy":
        _fastlog.USE = False
    out: dict = {"plain_read_s": [], "all_estimators_s": [], "sketch_pass_s": [],
                 "plain_cpu_s": [], "ours_cpu_s": [], "resident_after_evict": [],
                 "direct_read_s": [], "direct_cpu_s": [],
                 "path": "numba kernel" if _fastlog.USE else "numpy", "threads": threads}
    if _fastlog.USE:   # the kernel alone on one in-cache-sized chunk (compiles/loads it first)
        xk = np.fromfile(path, dtype=np.float32, count=1 << 20)
        ends, seg = np.array([xk.size]), np.empty((3, 1))
        cand = np.empty(xk.size, np.int32)
        best = math.inf
        for _ in range(20):
            c0 = time.thread_time()
            _fastlog.chunk_stats(xk, 0x7F7FFFFF, ends, seg[0], seg[1], seg[2], cand)
            best = min(best, time.thread_time() - c0)
        out["kernel_ns"] = best / xk.size * 1e9
        del xk, cand

    def plain() -> None:
        buf = np.empty(1 << 22, np.float32)
        with open(path, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass

    def direct() -> None:
        """The same loop with O_DIRECT (what our reader uses for a file not in the page
        cache): 16 MiB reads into a 4096-aligned buffer, no page cache."""
        raw = np.empty((1 << 24) + 4096, np.uint8)
        off = (-raw.ctypes.data) % 4096
        buf = raw[off:off + (1 << 24)]
        fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
        try:
            pos = 0
            while True:
                got = os.preadv(fd, [buf], pos)
                if got <= 0:
                    break
                pos += got
        finally:
            os.close(fd)

    def ours() -> None:
        t0 = time.perf_counter()
        ts, lm = sc.tail_sketches(path, k_max=K_MAX, k1=math.isqrt(n), threads=threads)
        out["sketch_pass_s"].append(time.perf_counter() - t0)
        res = {}
        # the double bootstrap targets Hill; the other kernels use the same k scaled to their
        # depth (what k="auto" does), so it is selected once and passed on
        r = sc.tail_index(ts, method="hill", rng=0)
        res["hill"] = [r.alpha, r.confidence_interval.low, r.confidence_interval.high, r.k]
        for meth, div in (("moment", 1), ("pickands", 4), ("smooth_hill", 2)):
            q = sc.tail_index(ts, method=meth, k=max(2, r.k // div))
            res[meth] = [q.alpha, q.confidence_interval.low, q.confidence_interval.high, q.k]
        r = sc.tail_index(ts, rng=0, ci="bootstrap", n_resamples=200)
        res["hill_bootstrap"] = [r.alpha, r.confidence_interval.low,
                                 r.confidence_interval.high, r.k]
        for meth in ("logmoment", "mohammadi"):
            r = sc.tail_index(lm, method=meth)
            res[meth] = [r.alpha, r.confidence_interval.low, r.confidence_interval.high, r.k]
        out["results"] = res

    if mode == "hot":
        plain()   # untimed: the file is in the page cache for every timed run
    # A B B A: drift in machine load hits both sides alike (cold, where O_DIRECT can be
    # had: A C B B C A with the O_DIRECT read C)
    seq = [(plain, "plain_read_s", "plain_cpu_s"), (ours, "all_estimators_s", "ours_cpu_s")]
    if mode == "cold" and _direct_ok(path):
        seq.insert(1, (direct, "direct_read_s", "direct_cpu_s"))
    for fn, key, ckey in seq + seq[::-1]:
        if mode == "cold":
            out["resident_after_evict"].append(_evict(path))
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        out[key].append(time.perf_counter() - t0)
        out[ckey].append(time.process_time() - c0)
    with open("/proc/loadavg") as fh:
        out["loadavg"] = fh.read().split()[0]
    # VmHWM belongs to this process image; ru_maxrss would include the forking parent's peak
    try:
        with open("/proc/self/status") as fh:
            hwm = [ln for ln in fh if ln.startswith("VmHWM")][0]
        out["peak_rss_mb"] = int(hwm.split()[1]) / 1024.0
    except (OSError, IndexError):
        import resource
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return out


# ---------------------------------------------------------------------------------------
# parent: the table
# ---------------------------------------------------------------------------------------

COLUMNS = ["n", "per-value path", "page cache", "threads", "plain read (s)",
           "all estimators (s)", "of which sketch pass (s)", "estimators after the pass (s)",
           "ratio", "O_DIRECT read (s)", "ratio to O_DIRECT read", "plain read CPU (s)",
           "all estimators CPU (s, all threads)",
           "kernel alone CPU (ns/value)", "peak RSS (MB)", "resident after eviction",
           "identical", "Hill α̂ [CI]", "log-moment α̂", "Mohammadi α̂", "load (1-min)"]


def _row(n: int, mode: str, out: dict, same: object) -> list:
    med = lambda key: float(np.median(out[key]))  # noqa: E731
    rr = out["results"]
    plain, ours, pas = med("plain_read_s"), med("all_estimators_s"), med("sketch_pass_s")
    res = [r for r in out["resident_after_evict"] if r is not None]
    kns = out.get("kernel_ns")
    dio = med("direct_read_s") if out.get("direct_read_s") else None
    return [f"{n:.0e}", out["path"], mode, out["threads"], round(plain, 2), round(ours, 2),
            round(pas, 2), round(ours - pas, 2), round(ours / plain, 2),
            "—" if dio is None else round(dio, 2),
            "—" if dio is None else round(ours / dio, 2),
            round(med("plain_cpu_s"), 2), round(med("ours_cpu_s"), 2),
            "—" if kns is None else round(kns, 2), round(out["peak_rss_mb"]),
            "—" if mode == "hot" else (f"{max(res):.1%}" if res else "n/a"),
            "n/a" if same is None else same,
            f"{rr['hill'][0]:.4f} [{rr['hill'][1]:.4f}, {rr['hill'][2]:.4f}]",
            f"{rr['logmoment'][0]:.5f}", f"{rr['mohammadi'][0]:.5f}", out["loadavg"]]


def stream_table(sizes: list[int], modes: tuple[str, ...] = ("hot", "cold"),
                 threads: int | None = None, numpy_rows_upto: int = 10**8,
                 log=lambda s: None) -> dict:
    """Write each file, run every case in a child process, delete the file; one table."""
    from stablecheck.tail import _fastlog

    threads = threads or cpus()
    rows, notes = [], []
    tmpdir = tempfile.mkdtemp(prefix="bench_tail_")
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get(
               "PYTHONPATH")])])}
    try:
        for n in sizes:
            need = 4 * n
            free = shutil.disk_usage(tmpdir).free
            if free < need + (2 << 30):
                notes.append(f"n = {n:.0e} skipped: {free / 2**30:.1f} GiB free, "
                             f"{need / 2**30:.1f} GiB needed.")
                continue
            path = os.path.join(tmpdir, f"x_{n}.f32")
            dt = write_file(path, n, seed=n % 97, threads=threads)
            log(f"n = {n:.0e}: file written in {dt:.1f} s")
            notes.append(f"n = {n:.0e}: file written in {dt:.1f} s ({threads} threads).")
            same = None
            if n <= 10**8:   # identical to in memory (Hill + DB k): exact equality
                import stablecheck as sc
                mm = np.memmap(path, dtype=np.float32, mode="r")
                a = sc.tail_index(mm, rng=5)
                b = sc.tail_index(np.array(mm), rng=5)
                same = (a.alpha, a.k, tuple(a.confidence_interval)) == (
                    b.alpha, b.k, tuple(b.confidence_interval))
                del mm
            per_value = ["numba", "numpy"] if _fastlog.HAVE_NUMBA else ["numpy"]
            for pth in (per_value if n <= numpy_rows_upto else per_value[:1]):
                for mode in modes:
                    t0 = time.perf_counter()
                    proc = subprocess.run(
                        [sys.executable, "-m", "benchmarks.stream_check", "--child", path,
                         str(n), str(threads), pth, mode], capture_output=True, text=True,
                        env=env, cwd=str(ROOT))
                    if proc.returncode:
                        raise RuntimeError(f"child failed ({n}, {pth}, {mode}):\n"
                                           f"{proc.stderr[-3000:]}")
                    out = json.loads(proc.stdout.strip().splitlines()[-1])
                    rows.append(_row(n, mode, out, same))
                    log(f"  {pth} {mode}: {time.perf_counter() - t0:.1f} s, row {rows[-1]}")
            os.remove(path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return {
        "title": "Tail index: streaming a float32 file through the sketches",
        "description": (
            "Symmetric Pareto(1.5) float32 file written by the benchmark, deleted after. "
            "'plain read' = a single-threaded sequential `readinto` loop over 16 MiB chunks "
            "doing nothing else. 'all estimators' = `sc.tail_sketches(path, "
            f"k_max={K_MAX}, k1=isqrt(n), threads=T)` — one pass; a reader thread loads the "
            "file two 16 MiB units ahead (a unit found in the page cache by `mincore` is "
            "mapped with MAP_POPULATE, nothing copied; any other unit is read with O_DIRECT "
            "into one of three rotating buffers, bypassing the page cache) while the "
            "per-value work (|x|, the threshold filter, log, float64 sums) runs split over "
            "the T threads — then, from "
            "the sketches, Hill at the double-bootstrap k with its exact interval, "
            "DEdH/Pickands/smoothed Hill at that k (scaled as k='auto' scales it) with normal "
            "intervals, Hill with a 200-replicate tail-bootstrap CI (k re-selected in every "
            "replicate), log-moment and Mohammadi with their intervals. 'page cache': `hot` "
            "= the file is in the page cache for every timed run; `cold` = before every "
            "timed run of either side its pages are dropped (`posix_fadvise(DONTNEED)`; "
            "'resident after eviction' = largest fraction of its pages still cached, by "
            "`mincore`) — on a virtual machine the host may still cache the disk image. "
            "'O_DIRECT read' (cold only) = the plain loop with O_DIRECT and 16 MiB reads, "
            "i.e. the disk transfer our reader waits for; 'ratio' is against the plain "
            "(buffered) read the target names, 'ratio to O_DIRECT read' against that one. "
            "'per-value path': `numba kernel` = the fused SIMD kernel of "
            "`stablecheck.tail._fastlog` (extra `fast`); `numpy` = the fallback without "
            "numba; 'kernel alone' = that kernel's thread CPU time on one 2²⁰-value chunk "
            "already in memory (min of 20). The two sides alternate A B B A (cold: A C B B C A "
            "with the O_DIRECT read C) in one child process per row (medians of 2 each); "
            "peak RSS = that child's VmHWM. "
            "'identical' = memmap result == in-memory result (Hill, DB k, exact CI)."),
        "columns": COLUMNS,
        "rows": rows,
        "notes": " ".join(notes) + " The file is deleted after each size.",
    }


def _markdown(table: dict) -> str:
    cols = [str(c) for c in table["columns"]]
    out = [f"### {table['title']}", "", "| " + " | ".join(cols) + " |",
           "|" + "|".join("---" for _ in cols) + "|"]
    out += ["| " + " | ".join(str(v) for v in row) + " |" for row in table["rows"]]
    return "\n".join(out + ["", table["notes"]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.stream_check",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--n", nargs="*", type=float, default=[1e9], help="sizes (default 1e9)")
    ap.add_argument("--modes", default="hot,cold", help="hot,cold (comma-separated)")
    ap.add_argument("--threads", type=int, default=None, help="default: usable CPUs")
    ap.add_argument("--numpy-rows-upto", type=float, default=1e8,
                    help="also run the numpy path up to this n (where numba is installed)")
    ap.add_argument("--json", default=None, help="also write the table as JSON here")
    ap.add_argument("--child", nargs=5, default=None, help=argparse.SUPPRESS)
    ns = ap.parse_args(argv)
    if ns.child:
        path, n, threads, per_value, mode = ns.child
        print(json.dumps(child(path, int(n), int(threads), per_value, mode)))
        return 0
    t0 = time.perf_counter()
    modes = tuple(m for m in ns.modes.split(",") if m)
    table = stream_table([int(v) for v in ns.n], modes, ns.threads,
                         int(ns.numpy_rows_upto),
                         log=lambda s: sys.stderr.write(s + "\n"))
    print(_markdown(table))
    print(f"\n({cpus()} usable CPUs, Python {sys.version.split()[0]}, total "
          f"{time.perf_counter() - t0:.0f} s)")
    if ns.json:
        Path(ns.json).write_text(json.dumps(table, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
