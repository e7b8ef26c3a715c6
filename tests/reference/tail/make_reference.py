"""Reference values for the tail kernels, computed independently with mpmath (50 digits).

Run:  python tests/reference/tail/make_reference.py  → writes kernels.json next to this file.

The data set is deterministic and needs no RNG: x_i = u_i^(-1/1.7) · (1.2 + sin(i))
for u_i = i/(n+1), i = 1..n, n = 500, signs alternating (+, −). Formulas are the textbook
definitions written out term by term (no cumulative sums, no numpy):
Hill (1975), Dekkers–Einmahl–de Haan (1989), Pickands (1975), Resnick–Stărică (1997)
smoothed Hill (u = 2), SαS log-moment (Ma & Nikias 1995), Mohammadi et al. (2015)
Corollary 2.4, and the exact χ² interval 2kα/α̂ ~ χ²_{2k} via mpmath's regularised gamma.
"""

import json
from pathlib import Path

import mpmath as mp

mp.mp.dps = 50
N = 500


def data():
    out = []
    for i in range(1, N + 1):
        u = mp.mpf(i) / (N + 1)
        v = u ** (mp.mpf(-1) / mp.mpf("1.7")) * (mp.mpf("1.2") + mp.sin(i))
        out.append(v if i % 2 else -v)
    return out


def hill(xs, k):
    return mp.fsum(mp.log(xs[i]) - mp.log(xs[k]) for i in range(k)) / k


def m2(xs, k):
    return mp.fsum((mp.log(xs[i]) - mp.log(xs[k])) ** 2 for i in range(k)) / k


def moment(xs, k):
    a, b = hill(xs, k), m2(xs, k)
    return a + 1 - mp.mpf(1) / 2 / (1 - a * a / b)


def pickands(xs, k):
    return mp.log((xs[k - 1] - xs[2 * k - 1]) / (xs[2 * k - 1] - xs[4 * k - 1])) / mp.log(2)


def smooth_hill(xs, k, u=2):
    return mp.fsum(hill(xs, j) for j in range(k + 1, u * k + 1)) / ((u - 1) * k)


def chi2_ppf(p, df):
    f = lambda q: mp.gammainc(mp.mpf(df) / 2, 0, q / 2, regularized=True) - p  # noqa: E731
    return mp.findroot(f, mp.mpf(df))


def main():
    x = data()
    absx = sorted((abs(v) for v in x), reverse=True)
    ref = {"n": N, "kernels": {}}
    for k in (5, 20, 60, 100):
        ref["kernels"][str(k)] = {
            "hill": float(hill(absx, k)), "moment": float(moment(absx, k)),
            "pickands": float(pickands(absx, k)), "smooth_hill": float(smooth_hill(absx, k)),
        }
    a = 1 / hill(absx, 60)
    ref["hill_exact_ci_k60"] = [float(a * chi2_ppf(mp.mpf("0.025"), 120) / 120),
                                float(a * chi2_ppf(mp.mpf("0.975"), 120) / 120)]
    logs = [mp.log(abs(v)) for v in x]
    mean = mp.fsum(logs) / N
    var = mp.fsum((lv - mean) ** 2 for lv in logs) / (N - 1)
    ref["logmoment_alpha"] = float((6 * var / mp.pi ** 2 - mp.mpf(1) / 2) ** (-mp.mpf(1) / 2))
    k1 = 20
    ys = [mp.fsum(x[j * k1:(j + 1) * k1]) for j in range(N // k1)]
    inv = (mp.fsum(mp.log(abs(y)) for y in ys) / len(ys) - mean) / mp.log(k1)
    ref["mohammadi_k1_20_alpha"] = float(1 / inv)
    Path(__file__).with_name("kernels.json").write_text(json.dumps(ref, indent=1) + "\n")


if __name__ == "__main__":
    main()
