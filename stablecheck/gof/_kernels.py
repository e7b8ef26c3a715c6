"""Column-wise Gaussianity statistics and their asymptotic p-values.

Every test is one :class:`GofTest` entry in :data:`TESTS`: a statistic kernel
``(prepared block) -> statistic per column`` plus a p-value function ``(statistic, n) ->
(pvalue, at_floor)``. A block holds equal-size columns, sorted once and shared by every
kernel (moments for the moment tests, log-survival values for Anderson–Darling, normal cdf
values for the EDF tests), so the whole battery is a handful of array passes over an
``n x P`` matrix — no loop over columns. A new statistic is one kernel plus one registry
entry; the Monte-Carlo null (``_battery``) works for it unchanged.

All statistics are location-scale invariant, so a block is first centred at the column median
and divided by the column's largest absolute deviation: heavy-tailed values such as 1e300 can
then never overflow the moment sums (the "infinite statistic" of the anchors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import special

from ._shapiro import SHAPIRO_SMALL_N_FLOOR, shapiro_pvalue, shapiro_w

__all__ = ["Block", "GofTest", "TESTS", "prepare_block", "rescale_sorted"]


class Block:
    """Equal-size columns of one batch, sorted and rescaled, with shared derived arrays.

    Parameters
    ----------
    xs : ndarray, shape (n, P)
        Column-sorted data, already centred/rescaled by :func:`prepare_block`.
    """

    def __init__(self, xs: np.ndarray):
        self.xs = xs
        self.n = xs.shape[0]

    @cached_property
    def mean(self) -> np.ndarray:
        return self.xs.mean(axis=0)

    @cached_property
    def centred(self) -> np.ndarray:
        return self.xs - self.mean

    @cached_property
    def moments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Biased central moments m2, m3, m4 per column."""
        d = self.centred
        d2 = d * d
        m2 = d2.mean(axis=0)
        m3 = np.einsum("ij,ij->j", d2, d) / self.n
        m4 = np.einsum("ij,ij->j", d2, d2) / self.n
        return m2, m3, m4

    @cached_property
    def z(self) -> np.ndarray:
        """Sorted standardised values (x - mean) / sd with ddof = 1 (as R's ``sd``)."""
        m2 = self.moments[0]
        sd = np.sqrt(m2 * self.n / (self.n - 1))
        return self.centred / sd

    @cached_property
    def shapiro(self) -> tuple[np.ndarray, np.ndarray]:
        """Shapiro–Wilk (W, 1 - W) per column."""
        return shapiro_w(self.xs)

    @cached_property
    def cdf(self) -> np.ndarray:
        return special.ndtr(self.z)

    @cached_property
    def sf(self) -> np.ndarray:
        return special.ndtr(-self.z)

    @cached_property
    def log_cdf(self) -> np.ndarray:
        return _log_prob(self.cdf, self.z)

    @cached_property
    def log_sf(self) -> np.ndarray:
        return _log_prob(self.sf, -self.z)


def _log_prob(p: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log Φ(z) from Φ(z) (accurate to 1 ulp while Φ(z) is a normal float), switching to
    ``scipy.special.log_ndtr`` where Φ(z) underflows (z < -37.5): finite for any finite z."""
    with np.errstate(divide="ignore"):
        out = np.log(p)
    tiny = p < 1e-300
    if tiny.any():
        out[tiny] = special.log_ndtr(z[tiny])
    return out


def rescale_sorted(xs: np.ndarray) -> np.ndarray:
    """Centre column-sorted data at the median and divide by the largest absolute deviation.

    One pass ``(x - median) * (1 / scale)``; where the magnitudes come near the float64 limits
    the data are first divided by their largest magnitude (> 1e300) or multiplied by 2**1000
    (< 1e-280, exact) so nothing overflows or underflows.
    Columns must not be constant (the caller filters those).
    """
    xs = np.asarray(xs, dtype=np.float64)
    n = xs.shape[0]
    big = np.maximum(np.abs(xs[0]), np.abs(xs[-1]))
    if np.any(big > 1e300):
        xs = xs / np.where(big > 1e300, big, 1.0)
    if np.any(big < 1e-280):  # tiny/subnormal data: scale up by an exact power of two
        xs = xs * np.where(big < 1e-280, 2.0 ** 1000, 1.0)
    med = 0.5 * (xs[(n - 1) // 2] + xs[n // 2])
    scale = np.maximum(med - xs[0], xs[-1] - med)
    out = xs - med
    out *= 1.0 / scale
    return out


def prepare_block(x: np.ndarray) -> Block:
    """Sort the columns of ``x`` and rescale them (:func:`rescale_sorted`) into a Block."""
    return Block(rescale_sorted(np.sort(np.asarray(x, dtype=np.float64), axis=0)))


# ----------------------------------------------------------------------------------------
# statistics
# ----------------------------------------------------------------------------------------

def _shapiro(b: Block) -> np.ndarray:
    return b.shapiro[0]


def _skew_z(b: Block) -> np.ndarray:
    """D'Agostino's (1970) normal approximation of the sample skewness (scipy ``skewtest``)."""
    n = float(b.n)
    m2, m3, _ = b.moments
    b2 = m3 / m2 ** 1.5
    y = b2 * np.sqrt((n + 1) * (n + 3) / (6.0 * (n - 2)))
    beta2 = (3.0 * (n * n + 27 * n - 70) * (n + 1) * (n + 3)
             / ((n - 2.0) * (n + 5) * (n + 7) * (n + 9)))
    w2 = -1 + np.sqrt(2 * (beta2 - 1))
    delta = 1 / np.sqrt(0.5 * np.log(w2))
    alpha = np.sqrt(2.0 / (w2 - 1))
    y = np.where(y == 0, 1.0, y)
    return delta * np.arcsinh(y / alpha)


def _kurt_z(b: Block) -> np.ndarray:
    """Anscombe & Glynn's (1983) normal approximation of the kurtosis (scipy ``kurtosistest``).

    The cube-root transform has a pole at ``1 + x sqrt(2/(A-4)) = 0`` (far lighter tails than
    the Gaussian); exactly at the pole scipy returns NaN, we return -inf (-> p = 0, flagged).
    """
    n = float(b.n)
    m2, _, m4 = b.moments
    b2 = m4 / (m2 * m2)
    e = 3.0 * (n - 1) / (n + 1)
    varb2 = 24.0 * n * (n - 2) * (n - 3) / ((n + 1) * (n + 1.0) * (n + 3) * (n + 5))
    x = (b2 - e) / np.sqrt(varb2)
    sqrtbeta1 = (6.0 * (n * n - 5 * n + 2) / ((n + 7) * (n + 9.0))
                 * np.sqrt(6.0 * (n + 3) * (n + 5) / (n * (n - 2) * (n - 3))))
    a = 6.0 + 8.0 / sqrtbeta1 * (2.0 / sqrtbeta1 + np.sqrt(1 + 4.0 / (sqrtbeta1 ** 2)))
    term1 = 1 - 2 / (9.0 * a)
    denom = 1 + x * np.sqrt(2 / (a - 4.0))
    with np.errstate(divide="ignore"):
        term2 = np.sign(denom) * np.cbrt((1 - 2.0 / a) / np.abs(denom))
    zk = (term1 - term2) / np.sqrt(2 / (9.0 * a))
    return np.where(denom == 0, -np.inf, zk)


def _dagostino(b: Block) -> np.ndarray:
    return _skew_z(b) ** 2 + _kurt_z(b) ** 2


def _jarque_bera(b: Block) -> np.ndarray:
    m2, m3, m4 = b.moments
    s = m3 / m2 ** 1.5
    k = m4 / (m2 * m2) - 3.0
    return b.n / 6.0 * (s * s + 0.25 * k * k)


def _anderson(b: Block) -> np.ndarray:
    """A² from log Φ(z_(i)) + log Φ(-z_(n+1-i)): finite for every finite sample."""
    n = b.n
    w = (2.0 * np.arange(1, n + 1) - 1.0)
    h = w @ (b.log_cdf + b.log_sf[::-1])
    return -n - h / n


def _lilliefors(b: Block) -> np.ndarray:
    return ks_sorted(b.cdf)


def ks_sorted(cdf: np.ndarray) -> np.ndarray:
    """Kolmogorov distance max(D+, D-) from the model cdf at the sorted sample (n x P)."""
    n = cdf.shape[0]
    d = cdf - np.arange(1, n + 1, dtype=np.float64)[:, None] / n
    return np.maximum(-d.min(axis=0), d.max(axis=0) + 1.0 / n)


def _cramervonmises(b: Block) -> np.ndarray:
    n = b.n
    i = np.arange(1, n + 1, dtype=np.float64)[:, None]
    d = b.cdf - (2 * i - 1) / (2.0 * n)
    return 1.0 / (12 * n) + np.einsum("ij,ij->j", d, d)


# ----------------------------------------------------------------------------------------
# asymptotic / approximate p-values: (statistic, n) -> (pvalue, at_floor)
# ----------------------------------------------------------------------------------------

_NO_FLOOR = np.zeros(0, dtype=bool)


def _p_shapiro(stat: np.ndarray, n: int, b: Block | None = None):
    w1 = 1.0 - stat if b is None else b.shapiro[1]
    return shapiro_pvalue(stat, w1, n)


def _p_chi2_2(stat: np.ndarray, n: int, b: Block | None = None):
    # chi-squared with 2 degrees of freedom: sf(x) = exp(-x/2), exact and floor-free.
    return np.exp(-0.5 * stat), np.zeros(np.shape(stat), dtype=bool)


AD_FLOOR = 3.7e-24
AD_LAST = 10.0

_AD_PIECES = (
    (0.2, lambda a: 1 - np.exp(-13.436 + 101.14 * a - 223.73 * a ** 2)),
    (0.34, lambda a: 1 - np.exp(-8.318 + 42.796 * a - 59.938 * a ** 2)),
    (0.6, lambda a: np.exp(0.9177 - 4.279 * a - 1.38 * a ** 2)),
    (AD_LAST, lambda a: np.exp(1.2937 - 5.709 * a + 0.0186 * a ** 2)),
)


def _caps(pieces) -> tuple[float, ...]:
    """Running minimum of each piece's value at its upper bound (the caps of the next piece)."""
    caps, cap = [], np.inf
    with np.errstate(over="ignore"):
        for hi, f in pieces:
            caps.append(cap)
            cap = min(cap, float(f(np.float64(hi))))
    return (*caps, cap)


def _monotone_pieces(x: np.ndarray, pieces, caps, floor: float) -> np.ndarray:
    """Evaluate a piecewise p-value approximation as a non-increasing function of ``x``.

    Each published piece decreases on its own interval, but the fitted pieces do not meet
    exactly; where a piece starts above the previous one's end, it is capped there (the
    running minimum, ``caps`` from :func:`_caps`). Beyond the last bound the value is ``floor``
    (or the last piece's end value if that is smaller, so the join is monotone too).
    """
    x = np.asarray(x, dtype=np.float64)
    p = np.full(x.shape, min(floor, caps[-1]))
    lo = -np.inf
    with np.errstate(over="ignore", invalid="ignore"):
        for (hi, f), cap in zip(pieces, caps[:-1], strict=True):
            sel = (x >= lo) & (x < hi)
            if np.any(sel):
                p[sel] = np.minimum(f(x[sel]), cap)
            lo = hi
    p[np.isnan(x)] = np.nan
    return np.clip(p, 0.0, 1.0)


_AD_CAPS = _caps(_AD_PIECES)
AD_FLOOR = min(AD_FLOOR, _AD_CAPS[-1])


def _p_anderson(stat: np.ndarray, n: int, b: Block | None = None):
    """Stephens / D'Agostino (1986, Table 4.9) as in R ``nortest::ad.test``, made monotone.

    The last quadratic turns upwards after AA ≈ 153 (statsmodels' non-monotone p); like
    nortest we stop at AA = 10 where it equals 3.7e-24 and report that value as a floor.
    The third and fourth pieces do not meet at AA = 0.6 (0.1169 vs 0.1194); the fourth is
    capped at 0.1169 until it falls below it (AA < 0.6038), the only place where we differ
    from nortest (by at most 0.0025).
    """
    aa = (1 + 0.75 / n + 2.25 / n ** 2) * np.asarray(stat, dtype=np.float64)
    return _monotone_pieces(aa, _AD_PIECES, _AD_CAPS, AD_FLOOR), aa >= AD_LAST


def _p_lilliefors(stat: np.ndarray, n: int, b: Block | None = None):
    """Dallal & Wilkinson (1986) for p <= 0.1, Stephens (1974) above (R ``nortest::lillie.test``).

    Where nortest's Stephens branch would return 0 although Dallal–Wilkinson said p > 0.1
    (KK > 1.31; it cannot happen for n >= 5 in practice) we keep Dallal–Wilkinson's value.
    Kept identical to nortest otherwise: the switch at p = 0.1 and Stephens' polynomials are
    not exactly monotone (jumps up to 0.009 at n = 5, 0.005 at n = 1000), all above p = 0.015.
    """
    d = np.asarray(stat, dtype=np.float64)
    if n <= 100:
        kd, nd = d, float(n)
    else:
        kd, nd = d * (n / 100.0) ** 0.49, 100.0
    p = np.exp(-7.01256 * kd ** 2 * (nd + 2.78019) + 2.99587 * kd * np.sqrt(nd + 2.78019)
               - 0.122119 + 0.974598 / np.sqrt(nd) + 1.67997 / nd)
    kk = (np.sqrt(n) - 0.01 + 0.85 / np.sqrt(n)) * d
    with np.errstate(over="ignore", invalid="ignore"):
        stephens = np.select(
            [kk <= 0.302, kk <= 0.5, kk <= 0.9, kk <= 1.31],
            [np.ones_like(kk),
             2.76773 - 19.828315 * kk + 80.709644 * kk ** 2 - 138.55152 * kk ** 3
             + 81.218052 * kk ** 4,
             -4.901232 + 40.662806 * kk - 97.490286 * kk ** 2 + 94.029866 * kk ** 3
             - 32.355711 * kk ** 4,
             6.198765 - 19.558097 * kk + 23.186922 * kk ** 2 - 12.234627 * kk ** 3
             + 2.423045 * kk ** 4],
            np.nan)
    p = np.where((p > 0.1) & ~np.isnan(stephens), stephens, p)
    return np.clip(p, 0.0, 1.0), np.zeros(d.shape, dtype=bool)


CVM_FLOOR = 7.37e-10
CVM_LAST = 1.1

_CVM_PIECES = (
    (0.0275, lambda w: 1 - np.exp(-13.953 + 775.5 * w - 12542.61 * w ** 2)),
    (0.051, lambda w: 1 - np.exp(-5.903 + 179.546 * w - 1515.29 * w ** 2)),
    (0.092, lambda w: np.exp(0.886 - 31.62 * w + 10.897 * w ** 2)),
    (CVM_LAST, lambda w: np.exp(1.111 - 34.242 * w + 12.832 * w ** 2)),
)


_CVM_CAPS = _caps(_CVM_PIECES)
CVM_FLOOR = min(CVM_FLOOR, _CVM_CAPS[-1])


def _p_cramervonmises(stat: np.ndarray, n: int, b: Block | None = None):
    """Stephens (1986) composite-normal approximation as in R ``nortest::cvm.test``.

    The last quadratic turns upwards after WW ≈ 1.33; like nortest we stop at WW = 1.1 where
    it equals 7.37e-10 and report that value as a floor. Pieces are joined monotonically
    (:func:`_monotone_pieces`; the published pieces mismatch by at most 3e-4).
    """
    ww = (1 + 0.5 / n) * np.asarray(stat, dtype=np.float64)
    return _monotone_pieces(ww, _CVM_PIECES, _CVM_CAPS, CVM_FLOOR), ww >= CVM_LAST


# ----------------------------------------------------------------------------------------
# registry
# ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GofTest:
    """One Gaussianity test.

    Attributes
    ----------
    name, label : str
        Option name and display name.
    statistic : callable
        ``Block -> ndarray`` of one statistic per column.
    pvalue : callable
        ``(statistic, n, block) -> (pvalue, at_floor)``; the asymptotic/approximate p-value.
    lower_is_extreme : bool
        True when small statistics reject (Shapiro–Wilk W); the Monte-Carlo p-value counts
        null values on that side.
    min_n : int
        Smallest sample size the p-value approximation accepts.
    asymptotic_floor : float
        The smallest p-value the approximation can return (0.0 when none).
    reference : str
    """

    name: str
    label: str
    statistic: Callable[[Block], np.ndarray]
    pvalue: Callable[..., tuple[np.ndarray, np.ndarray]]
    lower_is_extreme: bool
    min_n: int
    asymptotic_floor: float
    reference: str


TESTS: dict[str, GofTest] = {t.name: t for t in (
    GofTest("shapiro", "Shapiro–Wilk", _shapiro, _p_shapiro, True, 3, 0.0,
            "Shapiro & Wilk (1965); Royston (1995) AS R94"),
    GofTest("dagostino", "D'Agostino–Pearson K²", _dagostino, _p_chi2_2, False, 8, 0.0,
            "D'Agostino (1970); Anscombe & Glynn (1983); D'Agostino & Pearson (1973)"),
    GofTest("jarque_bera", "Jarque–Bera", _jarque_bera, _p_chi2_2, False, 3, 0.0,
            "Jarque & Bera (1980)"),
    GofTest("anderson", "Anderson–Darling", _anderson, _p_anderson, False, 8, AD_FLOOR,
            "Anderson & Darling (1954); Stephens (1986) in D'Agostino & Stephens, Table 4.9"),
    GofTest("lilliefors", "Lilliefors (KS)", _lilliefors, _p_lilliefors, False, 5, 0.0,
            "Lilliefors (1967); Dallal & Wilkinson (1986); Stephens (1974)"),
    GofTest("cramervonmises", "Cramér–von Mises", _cramervonmises, _p_cramervonmises, False,
            8, CVM_FLOOR, "Stephens (1986) in D'Agostino & Stephens"),
)}

# Shapiro's small-n floor is n-dependent; the battery reports it where it is hit.
SHAPIRO_FLOOR = SHAPIRO_SMALL_N_FLOOR
