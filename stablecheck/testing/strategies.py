"""Hypothesis strategies for heavy-tailed data, α-stable parameters and hostile inputs.

Every function returns a hypothesis ``SearchStrategy``. Bounds and parameters are
keyword-only and accept either a plain value (pinned) or a strategy (drawn); invalid
arguments raise ``hypothesis.errors.InvalidArgument``. Parameter ranges come from
:data:`stablecheck._domains.DOMAINS`, the declarations the validation layer checks against,
so a strategy can never produce a "valid" value the library refuses, or the reverse.

Samples are drawn from a hypothesis-drawn integer seed through numpy, so hypothesis shrinks
the seed and the size (not thousands of floats) and a counterexample is reproduced by its
seed alone.

========================  ==========================================================
``stable_params``         (α, β, scale, loc) in the typical region, at the edges, or
                          deliberately invalid
``stable_samples``        α-stable samples (S0) with their parameters attached
``heavy_tailed_samples``  Pareto, Student-t, stable or Gaussian-scale-mixture samples
                          with the true tail index attached
``hostile_arrays``        NaN, inf, constant, zeros, tiny n, float16, int8, masked,
                          1e±30 scale, non-contiguous, read-only (memmap-like), ...
                          each labelled with what is hostile and what must happen
``noise_datasets``        small K × P noise matrices with layer slices and metadata
========================  ==========================================================

Examples
--------
>>> from hypothesis import given
>>> from stablecheck.testing import strategies as scst
>>> @given(scst.heavy_tailed_samples(family="pareto", tail_index=1.5))
... def test_positive(sample):
...     assert (sample.x >= 1).all() and sample.tail_index == 1.5
>>> test_positive()
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from .._domains import DOMAINS, RealDomain
from . import _samplers
from ._drawn import NoiseSample, SampleWithTruth, StableParams
from ._hostile import HOSTILE_KINDS, HostileArray, make_hostile

__all__ = [
    "StableParams",
    "SampleWithTruth",
    "HostileArray",
    "NoiseSample",
    "domain_values",
    "stable_params",
    "stable_samples",
    "heavy_tailed_samples",
    "hostile_arrays",
    "hostile_labels",
    "noise_datasets",
]

_REGIONS = ("typical", "edge", "invalid")
_SEEDS = st.integers(0, 2**32 - 1)


# ------------------------------------------------------------------------------------
# argument handling
# ------------------------------------------------------------------------------------

def _is_real(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _as_strategy(name: str, value: Any, default: SearchStrategy, check=None) -> SearchStrategy:
    """A strategy from ``value``: a strategy is used as is, None gives ``default``, a plain
    value is checked by ``check`` (raising InvalidArgument) and pinned."""
    if isinstance(value, SearchStrategy):
        return value
    if value is None:
        return default
    if check is not None:
        check(name, value)
    return st.just(value)


def _check_region(region: Any, allowed: Sequence[str] = _REGIONS) -> str:
    if region not in allowed:
        raise InvalidArgument(f"region must be one of {', '.join(map(repr, allowed))}; "
                              f"got {region!r}.")
    return region


def _domain_check(domain: str):
    dom = DOMAINS[domain]

    def check(name: str, value: Any) -> None:
        if not _is_real(value):
            raise InvalidArgument(f"{name} must be a real number or a strategy; got {value!r}.")
        if not dom.contains(float(value)):
            raise InvalidArgument(f"{name} must be in {dom.describe()} (DOMAINS[{domain!r}]); "
                                  f"got {value!r}.")
    return check


def _int_check(low: int, high: int | None = None):
    def check(name: str, value: Any) -> None:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise InvalidArgument(f"{name} must be an integer or a strategy; got {value!r}.")
        if value < low or (high is not None and value > high):
            rng = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise InvalidArgument(f"{name} must be {rng}; got {value!r}.")
    return check


# ------------------------------------------------------------------------------------
# values derived from the domain declarations
# ------------------------------------------------------------------------------------

def _typical(dom: RealDomain) -> SearchStrategy[float]:
    lo, hi = dom.typical if dom.typical is not None else (dom.low, dom.high)
    lo, hi = max(lo, dom.low), min(hi, dom.high)
    ex_lo = lo == dom.low and not dom.low_closed
    ex_hi = hi == dom.high and not dom.high_closed
    if lo > 0 and hi / lo >= 100 and math.isfinite(hi):  # spans decades: log-uniform
        a, b = math.log10(lo), math.log10(hi)
        return st.floats(a, b).map(lambda e: float(min(max(10.0**e, lo), hi))).filter(
            dom.contains)
    return st.floats(lo, hi, exclude_min=ex_lo, exclude_max=ex_hi, allow_nan=False,
                     allow_infinity=False)


def _edges(dom: RealDomain) -> list[float]:
    pts: list[float] = []
    ends = [(dom.low, dom.low_closed), (dom.high, dom.high_closed)]
    for e, closed in ends:
        if closed and math.isfinite(e):
            pts.append(e)
    for e in dom.edges:
        for v in (e, e * (1 - 1e-8) if e else -1e-12, e * (1 + 1e-8) if e else 1e-12):
            if dom.contains(v) and v not in pts:
                pts.append(float(v))
    return pts


def _invalid(dom: RealDomain) -> list[float]:
    out = [math.nan]
    if math.isfinite(dom.low):
        out += [dom.low - 1.0, dom.low if not dom.low_closed else math.nextafter(dom.low, -math.inf)]
    else:
        out.append(-math.inf)
    if math.isfinite(dom.high):
        out += [dom.high + 1.0, dom.high if not dom.high_closed
                else math.nextafter(dom.high, math.inf)]
    else:
        out.append(math.inf)
    return [v for v in out if not dom.contains(v)]


def domain_values(name: str, *, region: str = "typical") -> SearchStrategy[float]:
    """Values of the declared parameter ``name`` (a key of ``stablecheck._domains.DOMAINS``).

    Parameters
    ----------
    name : str
        E.g. ``"alpha"``, ``"beta"``, ``"scale"``, ``"confidence_level"``, ``"tail_index"``.
    region : {"typical", "edge", "invalid"}
        ``"typical"``: the declared typical range (log-uniform when it spans decades);
        ``"edge"``: closed ends, declared hard values and their 1e-8 neighbours inside the
        domain; ``"invalid"``: values the validation layer must refuse (NaN, just outside
        each end, infinities outside unbounded ends).
    """
    if name not in DOMAINS:
        raise InvalidArgument(f"no domain named {name!r}; known: {', '.join(sorted(DOMAINS))}.")
    _check_region(region)
    dom = DOMAINS[name]
    if region == "typical":
        return _typical(dom)
    if region == "edge":
        pts = _edges(dom)
        return st.sampled_from(pts) if pts else _typical(dom)
    return st.sampled_from(_invalid(dom))


# ------------------------------------------------------------------------------------
# α-stable
# ------------------------------------------------------------------------------------

def stable_params(*, alpha: Any = None, beta: Any = None, scale: Any = None, loc: Any = None,
                  region: str = "typical") -> SearchStrategy[StableParams]:
    """α-stable parameters (Nolan S0) from the declared domains.

    Parameters
    ----------
    alpha, beta, scale, loc : float or SearchStrategy, optional
        Pin a parameter (it must lie in its domain) or give a strategy for it; by default
        each is drawn from ``region``.
    region : {"typical", "edge", "invalid"}
        ``"typical"``: typical ranges; ``"edge"``: α and β at their hard values (α = 1,
        α = 2, β = ±1, ...) and neighbours, scale and loc typical; ``"invalid"``: exactly
        one of the parameters that is not pinned is out of its domain, the others are
        typical — ``stablecheck._validation.check_stable_params`` must refuse every draw.

    Returns
    -------
    SearchStrategy of StableParams
    """
    _check_region(region)
    checks = {"alpha": _domain_check("alpha"), "beta": _domain_check("beta"),
              "scale": _domain_check("scale"), "loc": _domain_check("loc")}
    given = {"alpha": alpha, "beta": beta, "scale": scale, "loc": loc}
    base_region = {"alpha": "edge" if region == "edge" else "typical",
                   "beta": "edge" if region == "edge" else "typical",
                   "scale": "typical", "loc": "typical"}
    parts = {k: _as_strategy(k, v, domain_values(k, region=base_region[k]), checks[k])
             for k, v in given.items()}
    if region != "invalid":
        return st.builds(StableParams, **parts)
    free = [k for k, v in given.items() if v is None]
    if not free:
        raise InvalidArgument("region='invalid' needs at least one parameter left unpinned "
                              "(it is the one made invalid).")
    options = []
    for k in free:
        bad = dict(parts)
        bad[k] = domain_values(k, region="invalid")
        options.append(st.builds(StableParams, **bad))
    return st.one_of(options)


def _default_n() -> SearchStrategy[int]:
    return st.integers(100, 1000)


def stable_samples(*, alpha: Any = None, beta: Any = None, scale: Any = None, loc: Any = None,
                   n: Any = None, region: str = "typical", dtype: Any = np.float64
                   ) -> SearchStrategy[SampleWithTruth]:
    """α-stable samples (S0) with their parameters attached.

    Parameters
    ----------
    alpha, beta, scale, loc : float or SearchStrategy, optional
        As in :func:`stable_params`. ``region="edge"`` puts α and β at their hard values;
        scale and loc stay typical (1e±300 scales would overflow the samples).
    n : int or SearchStrategy, optional
        Sample size (default 100–1000).
    region : {"typical", "edge"}
    dtype : numpy dtype
        float64 (default) or float32.

    Returns
    -------
    SearchStrategy of SampleWithTruth
        ``params`` holds alpha, beta, scale, loc; ``tail_index`` is α (``inf`` at α = 2).

    Notes
    -----
    Drawn from a hypothesis-drawn seed with ``stablecheck.stable.rvs`` when the stable
    engine is installed, otherwise with our own private Chambers–Mallows–Stuck sampler
    (which loses about −log10|α − 1| digits to the S0 shift close to α = 1 with β ≠ 0).
    """
    _check_region(region, ("typical", "edge"))
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise InvalidArgument(f"dtype must be float64 or float32; got {dt}.")
    params = stable_params(alpha=alpha, beta=beta, scale=scale, loc=loc, region=region)
    n_st = _as_strategy("n", n, _default_n(), _int_check(1))

    def build(p: StableParams, size: int, seed: int) -> SampleWithTruth:
        x = _samplers.stable_rvs(float(p.alpha), float(p.beta), float(p.scale), float(p.loc),
                             size, np.random.default_rng(seed)).astype(dt)
        ti = float(p.alpha) if p.alpha < 2 else math.inf
        return SampleWithTruth(x=x, family="stable", tail_index=ti,
                               params={"alpha": float(p.alpha), "beta": float(p.beta),
                                       "scale": float(p.scale), "loc": float(p.loc)},
                               seed=seed)
    return st.builds(build, params, n_st, _SEEDS)


# ------------------------------------------------------------------------------------
# heavy tails with known tail index
# ------------------------------------------------------------------------------------

def _tail_check(family: str | None):
    base = _domain_check("tail_index")

    def check(name: str, value: Any) -> None:
        base(name, value)
        if family == "stable" and not value < 2:
            raise InvalidArgument(f"{name} must be < 2 for family='stable' (α = 2 is Gaussian, "
                                  f"with no power tail); got {value!r}.")
    return check


def heavy_tailed_samples(*, family: Any = None, tail_index: Any = None, n: Any = None,
                         dtype: Any = np.float64) -> SearchStrategy[SampleWithTruth]:
    """Samples with a known tail index α (P(|X| > x) ~ x^−α).

    Parameters
    ----------
    family : {"pareto", "student_t", "stable", "scale_mixture"} or SearchStrategy, optional
        ``"pareto"``: classical Pareto on [1, ∞) (exact power law, positive);
        ``"student_t"``: Student-t with ``df = tail_index`` (symmetric);
        ``"stable"``: symmetric α-stable, α = tail_index < 2;
        ``"scale_mixture"``: Gaussian with Pareto(tail_index) scales — every value Gaussian
        given its scale, the pooled sample power-tailed (the pooled-SGD-noise situation).
        Default: any of them.
    tail_index : float or SearchStrategy, optional
        Default: the family's typical range (Pareto 0.5–5, t 1–8, stable 0.8–1.95,
        scale mixture 0.5–5).
    n : int or SearchStrategy, optional
        Sample size (default 100–1000).
    dtype : float64 or float32

    Returns
    -------
    SearchStrategy of SampleWithTruth

    Notes
    -----
    Draws use common random numbers: the same seed with two tail indices gives two samples
    that are monotone transforms of the same uniforms (see ``stablecheck.testing._samplers``).
    """
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise InvalidArgument(f"dtype must be float64 or float32; got {dt}.")

    def check_family(name: str, value: Any) -> None:
        if value not in _samplers.FAMILIES:
            raise InvalidArgument(f"family must be one of {', '.join(map(repr, _samplers.FAMILIES))}"
                                  f"; got {value!r}.")
    families = sorted(_samplers.FAMILIES)
    if _is_real(tail_index) and not tail_index < 2:  # a pinned index stable cannot have
        families.remove("stable")
    fam_st = _as_strategy("family", family, st.sampled_from(families), check_family)
    fixed_family = family if isinstance(family, str) else None
    if tail_index is not None and not isinstance(tail_index, SearchStrategy):
        _tail_check(fixed_family)("tail_index", tail_index)
    n_st = _as_strategy("n", n, _default_n(), _int_check(1))

    def for_family(fam: str) -> SearchStrategy[SampleWithTruth]:
        lo, hi = _samplers.family_tail_range(fam)
        ti_st = _as_strategy("tail_index", tail_index, st.floats(lo, hi))

        def build(ti: float, size: int, seed: int) -> SampleWithTruth:
            if not (ti > 0 and (fam != "stable" or ti < 2)):
                raise InvalidArgument(f"tail_index {ti!r} is not valid for family {fam!r}.")
            x = _samplers.sample_family(fam, float(ti), size, np.random.default_rng(seed))
            params = {"df": float(ti)} if fam == "student_t" else (
                {"alpha": float(ti), "beta": 0.0, "scale": 1.0, "loc": 0.0}
                if fam == "stable" else {})
            return SampleWithTruth(x=x.astype(dt), family=fam, tail_index=float(ti),
                                   params=params, seed=seed)
        return st.builds(build, ti_st, n_st, _SEEDS)

    return fam_st.flatmap(for_family)


# ------------------------------------------------------------------------------------
# hostile inputs
# ------------------------------------------------------------------------------------

def hostile_labels() -> tuple[str, ...]:
    """Labels of every hostile case :func:`hostile_arrays` can produce."""
    return tuple(HOSTILE_KINDS)


def hostile_arrays(*, kinds: Any = None, n: Any = None,
                   expect: Mapping[str, str] | None = None) -> SearchStrategy[HostileArray]:
    """Hostile inputs, each labelled with what is hostile and what an estimator must do.

    Parameters
    ----------
    kinds : sequence of str or SearchStrategy, optional
        Labels to draw from (default: all of :func:`hostile_labels`), e.g.
        ``["contains NaN", "90% exact zeros", "float16"]``.
    n : int or SearchStrategy, optional
        Size of the clean base sample (Student-t, 3 degrees of freedom; default 50–500).
    expect : dict, optional
        label → expectation overrides (e.g. a Gaussianity test may accept 5 values:
        ``{"tiny n (5 values)": "accept_or_refuse"}``).

    Returns
    -------
    SearchStrategy of HostileArray
        ``x``, ``label``, ``expect`` (``"refuse_or_warn"``, ``"accept_or_refuse"``,
        ``"accept"``, ``"equivalent"``, ``"equivalent_or_refuse"``, ``"scaled"``),
        ``reference`` and ``scale``.

    Notes
    -----
    Cases: NaN, ±inf, all NaN, empty, one value, 5 values, constant, all zeros, 90% and 10%
    exact zeros, many ties, float16, int8, float32, masked array with garbage under the
    mask, Python list, 1e30 and 1e-30 scale, strided view, read-only buffer, a real
    ``np.memmap`` opened with ``mode="r"`` (its file is unlinked once mapped), big-endian
    bytes.
    """
    expect = dict(expect or {})
    for lab, e in expect.items():
        if lab not in HOSTILE_KINDS:
            raise InvalidArgument(f"unknown hostile label {lab!r} in expect.")
        from ._hostile import EXPECTATIONS
        if e not in EXPECTATIONS:
            raise InvalidArgument(f"expectation for {lab!r} must be one of {EXPECTATIONS}; "
                                  f"got {e!r}.")
    if kinds is None:
        kinds_st = st.sampled_from(list(HOSTILE_KINDS))
    elif isinstance(kinds, SearchStrategy):
        kinds_st = kinds
    else:
        if isinstance(kinds, str):
            kinds = [kinds]
        kinds = list(kinds)
        unknown = [k for k in kinds if k not in HOSTILE_KINDS]
        if unknown or not kinds:
            raise InvalidArgument(f"unknown hostile kinds {unknown!r}; known: {list(HOSTILE_KINDS)}.")
        kinds_st = st.sampled_from(kinds)
    n_st = _as_strategy("n", n, st.integers(50, 500), _int_check(6))

    def build(label: str, size: int, seed: int) -> HostileArray:
        if label not in HOSTILE_KINDS:
            raise InvalidArgument(f"unknown hostile kind {label!r}.")
        base = _samplers.student_t(3.0, size, np.random.default_rng(seed))
        return make_hostile(label, base, seed, expect.get(label))
    return st.builds(build, kinds_st, n_st, _SEEDS)


# ------------------------------------------------------------------------------------
# noise datasets
# ------------------------------------------------------------------------------------

_LAYER_KINDS = ("gaussian", "scale_mixture", "stable")


def noise_datasets(*, K: Any = None, n_layers: Any = None, layer_size: Any = None,
                   zero_columns: Any = None, dtype: Any = np.float32, as_dataset: bool = False
                   ) -> SearchStrategy[NoiseSample]:
    """Small noise datasets: a K × P matrix, its layer slices and snapshot metadata.

    Parameters
    ----------
    K : int or SearchStrategy, optional
        Minibatches (rows), default 4–32.
    n_layers : int or SearchStrategy, optional
        Number of layers, default 1–4.
    layer_size : int or SearchStrategy, optional
        Parameters per layer, default 1–64 (drawn per layer).
    zero_columns : float or SearchStrategy, optional
        Fraction of each layer's columns that are exactly zero ("dead units"), default 0–0.3.
    dtype : float32 (default) or float64
    as_dataset : bool
        Draw ``stablecheck.noise.NoiseDataset`` objects (via ``NoiseSample.to_dataset()``)
        instead of plain ``NoiseSample`` data.

    Returns
    -------
    SearchStrategy of NoiseSample (or NoiseDataset)
        ``U`` (K × P), ``layers`` (name → (offset, size, shape)), ``metadata`` (keys of the
        noise metadata schema: iteration, batch_size, n_minibatches, full_gradient,
        sampling, model_mode, data_kind, optimizer, lr, seed, dtype) and per-layer ``truth``
        (family: Gaussian with log-normal column scales, Gaussian with Pareto scales, or
        SαS; tail index; number of zero columns). ``NoiseSample.to_dataset()`` and
        ``NoiseSample.write_run(path)`` build the real ``stablecheck.noise`` objects.
    """
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise InvalidArgument(f"dtype must be float64 or float32; got {dt}.")
    K_st = _as_strategy("K", K, st.integers(4, 32), _int_check(2))
    L_st = _as_strategy("n_layers", n_layers, st.integers(1, 4), _int_check(1))
    S_st = _as_strategy("layer_size", layer_size, st.integers(1, 64), _int_check(1))

    def check_frac(name: str, v: Any) -> None:
        if not _is_real(v) or not 0 <= v < 1:
            raise InvalidArgument(f"{name} must be in [0, 1); got {v!r}.")
    Z_st = _as_strategy("zero_columns", zero_columns, st.floats(0.0, 0.3), check_frac)

    @st.composite
    def build(draw):
        k = draw(K_st)
        nl = draw(L_st)
        seed = draw(_SEEDS)
        rng = np.random.default_rng(seed)
        blocks, layers, truth, off = [], {}, {}, 0
        for i in range(nl):
            size = draw(S_st)
            kind = draw(st.sampled_from(_LAYER_KINDS))
            zf = draw(Z_st)
            name = f"layer{i}.{'bias' if size < 4 else 'weight'}"
            if kind == "gaussian":
                block = rng.standard_normal((k, size)) * np.exp(rng.standard_normal(size))
                ti = math.inf
            elif kind == "scale_mixture":
                ti = draw(st.floats(1.0, 4.0))
                block = (rng.standard_normal((k, size))
                         * _samplers.pareto(ti, size, rng)[None, :])
            else:
                ti = draw(st.floats(1.1, 1.95))
                block = _samplers.stable_rvs(ti, 0.0, 1.0, 0.0, k * size, rng).reshape(k, size)
            n_zero = int(math.floor(zf * size))
            if n_zero:
                block[:, rng.permutation(size)[:n_zero]] = 0.0
            shape = (size // 2, 2) if size % 2 == 0 and size >= 4 else (size,)
            layers[name] = (off, size, shape)
            truth[name] = {"family": kind, "tail_index": ti, "zero_columns": n_zero}
            blocks.append(block)
            off += size
        U = np.concatenate(blocks, axis=1).astype(dt)
        # keys and options of the noise metadata schema (stablecheck.noise META_FIELDS)
        meta = {
            "iteration": draw(st.integers(0, 10_000)),
            "batch_size": draw(st.sampled_from([1, 8, 32, 128, 512])),
            "n_minibatches": k,
            "full_gradient": draw(st.sampled_from(["exact", "large_batch", "partition_mean"])),
            "sampling": draw(st.sampled_from(["without_replacement", "with_replacement",
                                              "partition"])),
            "model_mode": draw(st.sampled_from(["eval", "train"])),
            "data_kind": draw(st.sampled_from(["noise", "gradient", "update", "iterate"])),
            "optimizer": "sgd",
            "lr": draw(st.sampled_from([1e-3, 1e-2, 0.1])),
            "seed": seed,
            "dtype": str(dt),
        }
        return NoiseSample(U=U, layers=layers, metadata=meta, truth=truth)

    if not isinstance(as_dataset, bool):
        raise InvalidArgument(f"as_dataset must be True or False; got {as_dataset!r}.")
    return build().map(NoiseSample.to_dataset) if as_dataset else build()
