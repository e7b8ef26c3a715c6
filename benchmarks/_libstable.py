"""libstable (Royuela-del-Val, Simmross-Wattenberg and Alberola-López, JSS 2017) through ctypes.

libstable is the C library most often cited for fast, accurate alpha-stable densities and ML
fits. Its Python distribution is PyPI ``pystable`` (0.2.3, a ``py3-none-any`` wheel with
prebuilt ``libstable.so`` files inside); install it for the benchmarks only::

    pip install --no-deps pystable==0.2.3
    apt-get install libgsl27          # Debian 12; any libgsl.so.NN with a two-digit NN

``--no-deps`` because pystable declares ``setuptools>=57.1,<58`` (a build-time leftover it does
not import), which would downgrade the setuptools our own build needs (>= 64); for the same
reason it is not a pyproject extra. The benchmarks skip libstable, saying why, when it is absent.

**Why a loader.** The wheel's Linux library for glibc >= 2.33
(``pystable/_extensions/libstable.so``) was linked against GSL 2.6 and records
``DT_NEEDED libgsl.so.25``; Debian 12 ships GSL 2.7.1 as ``libgsl.so.27`` (package ``libgsl27``
/ ``libgsl-dev``), so ``ctypes.CDLL`` fails with "libgsl.so.25: cannot open shared object
file". All 46 GSL functions libstable imports are present (unversioned) in ``libgsl.so.27``,
and the GSL 2.6 -> 2.7 soname bump did not touch the interfaces libstable uses (integration,
multimin, FFT, complex, vector); the values below are checked against closed forms and our
exact engine before anything is timed. :func:`load` therefore

1. tries the wheel's library as it is (a system with GSL 2.6 loads it directly);
2. otherwise writes a *copy* to ``$XDG_CACHE_HOME/stablecheck-bench/`` (default
   ``~/.cache/stablecheck-bench/``) in which the dynamic-string-table entry ``libgsl.so.25``
   is replaced by the system's soname of the same length (``libgsl.so.27``, found with
   ``ctypes.util.find_library``) - a byte patch of one DT_NEEDED string, nothing else changes
   (the symbol hash tables cover symbol names, not DT_NEEDED strings) - and loads that copy.

The alternatives were worse: ``LD_LIBRARY_PATH`` pointing at a directory with a
``libgsl.so.25 -> libgsl.so.27`` symlink also works but is read only at process start (it
would need a re-exec of the benchmark process), and ``patchelf`` is one more tool to install
for what is a two-byte edit. The installed wheel is never modified.

The wrappers use libstable's *vector* calls (``stable_pdf(dist, x, n, out, NULL)``,
``stable_cdf``) on numpy buffers, so timings are libstable's, not a Python loop's. Those
calls split the points over ``THREADS`` POSIX threads; :func:`threads` reads the setting and
:func:`set_threads` changes it. Parameterisation: libstable's ``parametrization = 0`` is
Nolan's S0 (``mu_0``), ``1`` is S1 (``mu_1 = mu_0 - beta*sigma*tan(pi*alpha/2)``), arguments
``(alpha, beta, sigma, mu)`` - checked numerically in ``bench_stable``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["load", "available", "why_unavailable", "Dist", "pdf", "cdf", "fit", "threads",
           "set_threads", "rel_tol", "abs_tol", "tolerances", "provenance"]

_OLD_SONAME = b"libgsl.so.25"
_STATE: dict = {}

_DP = ctypes.POINTER(ctypes.c_double)


class _Head(ctypes.Structure):
    """The first five fields of libstable's ``StableDist`` (stable.h): the parameters."""

    _fields_ = [("alpha", ctypes.c_double), ("beta", ctypes.c_double),
                ("sigma", ctypes.c_double), ("mu_0", ctypes.c_double),
                ("mu_1", ctypes.c_double)]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "stablecheck-bench"


def _wheel_library() -> Path:
    import pystable  # noqa: F401 - the PyPI wheel; ImportError means "not installed"

    lib = Path(pystable.__file__).resolve().parent / "_extensions" / "libstable.so"
    if not lib.is_file():
        raise FileNotFoundError(f"pystable is installed but {lib} is missing")
    return lib


def _patched_copy(lib: Path) -> tuple[Path, str]:
    """A copy of ``lib`` whose ``libgsl.so.25`` DT_NEEDED names the system's GSL."""
    name = ctypes.util.find_library("gsl")  # e.g. "libgsl.so.27"
    if name is None:
        raise OSError("no system GSL found (Debian: apt-get install libgsl27)")
    new = name.encode()
    if len(new) != len(_OLD_SONAME):
        raise OSError(f"system GSL soname {name!r} is not the same length as "
                      f"{_OLD_SONAME.decode()!r}; a same-length byte patch is impossible "
                      "(use patchelf --replace-needed instead)")
    blob = lib.read_bytes()
    needle = _OLD_SONAME + b"\0"
    if blob.count(needle) != 1:
        raise OSError(f"{lib}: expected exactly one {_OLD_SONAME.decode()!r} string, found "
                      f"{blob.count(needle)}")
    out_dir = _cache_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"libstable-{name.replace('libgsl.so.', 'gsl')}.so"
    patched = blob.replace(needle, new + b"\0")
    if not target.exists() or target.read_bytes() != patched:
        fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".so")
        with os.fdopen(fd, "wb") as fh:
            fh.write(patched)
        os.replace(tmp, target)
    return target, name


def _bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    vp, u, d, i = ctypes.c_void_p, ctypes.c_uint, ctypes.c_double, ctypes.c_int
    sigs = {
        "stable_create": (ctypes.POINTER(_Head), [d, d, d, d, i]),
        "stable_setparams": (i, [vp, d, d, d, d, i]),
        "stable_free": (None, [vp]),
        "stable_pdf": (None, [vp, _DP, u, _DP, _DP]),
        "stable_cdf": (None, [vp, _DP, u, _DP, _DP]),
        "stable_fit_init": (None, [vp, _DP, u, _DP, _DP]),
        "stable_fit_koutrouvelis": (i, [vp, _DP, u]),
        "stable_fit_mle": (i, [vp, _DP, u]),
        "stable_fit_mle2d": (i, [vp, _DP, u]),
        "stable_fit": (i, [vp, _DP, u]),
        "stable_loglikelihood": (d, [vp, _DP, u]),
        "stable_pdf_point": (d, [vp, d, _DP]),
        "stable_cdf_point": (d, [vp, d, _DP]),
        "stable_get_THREADS": (u, []),
        "stable_set_THREADS": (None, [u]),
        "stable_get_relTOL": (d, []),
        "stable_set_relTOL": (None, [d]),
        "stable_get_absTOL": (d, []),
        "stable_set_absTOL": (None, [d]),
    }
    for k in (1, 2, 3):
        sigs[f"stable_get_METHOD{k}"] = (i, [])
        sigs[f"stable_set_METHOD{k}"] = (None, [i])
    for fname, (res, args) in sigs.items():
        f = getattr(lib, fname)
        f.restype = res
        f.argtypes = args
    return lib


def load() -> ctypes.CDLL:
    """libstable as a ``ctypes.CDLL`` with typed functions (cached). Raises on failure."""
    if "lib" in _STATE:
        return _STATE["lib"]
    if "error" in _STATE:
        raise OSError(_STATE["error"])
    try:
        wheel = _wheel_library()
        try:
            lib, how = ctypes.CDLL(str(wheel)), f"wheel library as shipped ({wheel})"
        except OSError as exc:
            if _OLD_SONAME.decode() not in str(exc):
                raise
            path, soname = _patched_copy(wheel)
            lib = ctypes.CDLL(str(path))
            how = (f"copy of {wheel} with DT_NEEDED libgsl.so.25 -> {soname} "
                   f"(byte patch; {path})")
        _STATE["lib"] = _bind(lib)
        _STATE["how"] = how
        return _STATE["lib"]
    except (ImportError, OSError, AttributeError) as exc:
        _STATE["error"] = f"{type(exc).__name__}: {exc}"
        raise OSError(_STATE["error"]) from exc


def available() -> bool:
    """True when :func:`load` succeeds."""
    try:
        load()
        return True
    except OSError:
        return False


def why_unavailable() -> str:
    """The load error ('' when libstable loaded)."""
    return "" if available() else _STATE.get("error", "")


def provenance() -> str:
    """One line: pystable version and how the library was loaded."""
    load()
    from importlib.metadata import version

    return f"pystable {version('pystable')}, {_STATE['how']}"


def threads() -> int:
    """libstable's ``THREADS`` (threads per vector call; 0 = its default)."""
    return int(load().stable_get_THREADS())


def set_threads(n: int) -> None:
    """Set libstable's ``THREADS`` (process-global in the C library)."""
    load().stable_set_THREADS(int(n))


def rel_tol() -> float:
    return float(load().stable_get_relTOL())


def abs_tol() -> float:
    return float(load().stable_get_absTOL())


@contextlib.contextmanager
def tolerances(rel: float | None, abs_: float | None):
    """Run a block with libstable's relTOL/absTOL set (None: left as is); everything is
    restored afterwards. pystable exposes neither setting. The library loads with
    relTOL = absTOL = 1e-6 and quadrature rules METHOD1-3 = QNG, QAG2, QAG1;
    ``stable_set_relTOL`` also picks the rules (for relTOL >= 1e-8: QNG, QAG1, QAG1), so
    setting relTOL = 1e-6 explicitly is *not* the as-loaded state."""
    lib = load()
    saved = (lib.stable_get_relTOL(), lib.stable_get_absTOL(),
             [getattr(lib, f"stable_get_METHOD{k}")() for k in (1, 2, 3)])
    if rel is not None:
        lib.stable_set_relTOL(rel)
    if abs_ is not None:
        lib.stable_set_absTOL(abs_)
    try:
        yield
    finally:
        lib.stable_set_relTOL(saved[0])
        lib.stable_set_absTOL(saved[1])
        for k, m in zip((1, 2, 3), saved[2], strict=True):
            getattr(lib, f"stable_set_METHOD{k}")(m)


class Dist:
    """An owned ``StableDist*`` (freed on ``close``/garbage collection).

    ``param`` 0 = S0 (Nolan), 1 = S1; arguments in libstable's order
    ``(alpha, beta, sigma, mu)``.
    """

    def __init__(self, alpha: float, beta: float, sigma: float = 1.0, mu: float = 0.0,
                 param: int = 0):
        self._lib = load()
        ptr = self._lib.stable_create(alpha, beta, sigma, mu, param)
        if not ptr:
            raise ValueError(f"libstable refused parameters {(alpha, beta, sigma, mu, param)}")
        self._ptr = ptr

    @property
    def ptr(self) -> ctypes.c_void_p:
        return ctypes.cast(self._ptr, ctypes.c_void_p)

    @property
    def params(self) -> tuple[float, float, float, float, float]:
        """(alpha, beta, sigma, mu_0, mu_1) as libstable holds them."""
        h = self._ptr.contents
        return h.alpha, h.beta, h.sigma, h.mu_0, h.mu_1

    def set(self, alpha: float, beta: float, sigma: float = 1.0, mu: float = 0.0,
            param: int = 0) -> None:
        if self._lib.stable_setparams(self.ptr, alpha, beta, sigma, mu, param) < 0:
            raise ValueError(f"libstable refused parameters {(alpha, beta, sigma, mu, param)}")

    def _vec(self, fname: str, x) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float64)
        out = np.empty_like(x)
        getattr(self._lib, fname)(self.ptr, x.ctypes.data_as(_DP), x.size,
                                  out.ctypes.data_as(_DP), None)
        return out

    def pdf(self, x) -> np.ndarray:
        """libstable's vector ``stable_pdf`` on ``x``."""
        return self._vec("stable_pdf", x)

    def cdf(self, x) -> np.ndarray:
        """libstable's vector ``stable_cdf`` on ``x``."""
        return self._vec("stable_cdf", x)

    def close(self) -> None:
        if getattr(self, "_ptr", None):
            self._lib.stable_free(self.ptr)
            self._ptr = None

    def __del__(self):  # pragma: no cover - interpreter shutdown order
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass


def _per_point(kind: str, x, alpha, beta) -> np.ndarray:
    """pdf/cdf of the standard S0 law; scalar parameters use one vector call.

    Per-point (alpha, beta): libstable has no vector call over parameters, so each point is
    one ``stable_setparams`` and one ``stable_pdf_point``/``stable_cdf_point`` (the scalar
    routines the vector call runs in its threads; a 1-point vector call would start threads
    per point)."""
    x, alpha, beta = np.broadcast_arrays(np.asarray(x, float), np.asarray(alpha, float),
                                         np.asarray(beta, float))
    fname = "stable_pdf" if kind == "pdf" else "stable_cdf"
    if np.all(alpha == alpha.flat[0]) and np.all(beta == beta.flat[0]):
        d = Dist(float(alpha.flat[0]), float(beta.flat[0]))
        try:
            return d._vec(fname, x)
        finally:
            d.close()
    lib = load()
    d = Dist(1.5, 0.0)
    out = np.empty(x.size)
    fn = lib.stable_pdf_point if kind == "pdf" else lib.stable_cdf_point
    setp, p = lib.stable_setparams, d.ptr
    try:
        for k, (xk, a, b) in enumerate(zip(x.ravel().tolist(), alpha.ravel().tolist(),
                                           beta.ravel().tolist(), strict=True)):
            out[k] = fn(p, xk, None) if setp(p, a, b, 1.0, 0.0, 0) >= 0 else np.nan
    finally:
        d.close()
    return out.reshape(x.shape)


def pdf(x, alpha, beta) -> np.ndarray:
    """Standard S0 density by libstable (vector call for scalar parameters)."""
    return _per_point("pdf", x, alpha, beta)


def cdf(x, alpha, beta) -> np.ndarray:
    """Standard S0 distribution function by libstable."""
    return _per_point("cdf", x, alpha, beta)


def fit(x, method: str = "mle") -> tuple[float, float, float, float]:
    """libstable's fit of ``x``; returns S0 ``(alpha, beta, sigma, mu_0)``.

    ``"mle"``: ``stable_fit_init`` (McCulloch) -> ``stable_fit_koutrouvelis`` ->
    ``stable_fit_mle`` (Nelder-Mead on all four parameters), the sequence of libstable's own
    examples; ``"mle2d"``: ``stable_fit`` = pystable's ``fit`` (McCulloch start, Nelder-Mead on
    (alpha, beta) with sigma and mu from McCulloch's tables at each step);
    ``"koutrouvelis"``, ``"mcculloch"``: those stages alone.
    """
    lib = load()
    data = np.ascontiguousarray(x, dtype=np.float64)
    n = data.size
    dp = data.ctypes.data_as(_DP)
    d = Dist(1.5, 0.0)
    try:
        if method == "mle2d":
            lib.stable_fit(d.ptr, dp, n)
        else:
            nu_c, nu_z = ctypes.c_double(), ctypes.c_double()
            lib.stable_fit_init(d.ptr, dp, n, ctypes.byref(nu_c), ctypes.byref(nu_z))
            if method in ("koutrouvelis", "mle"):
                lib.stable_fit_koutrouvelis(d.ptr, dp, n)
            if method == "mle":
                lib.stable_fit_mle(d.ptr, dp, n)
            elif method not in ("koutrouvelis", "mcculloch"):
                raise ValueError(f"unknown libstable fit method {method!r}")
        a, b, s, m0, _ = d.params
        return a, b, s, m0
    finally:
        d.close()
