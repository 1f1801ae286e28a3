"""Reference values for ConvergenceDiagnosticsReferenceTests, computed independently of lib/Slt/Diagnostics.

Plain loops over the formulas of Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021), "Rank-normalization, folding,
and localization: an improved R-hat", Bayesian Analysis 16; the normal quantile is Python's statistics.NormalDist
(Wichura's AS241), not the workbook's. Standard library only: run with `python3 convergence_reference.py`.
Conventions shared with the workbook: a chain of odd length loses its last draw before splitting; autocovariances
divide by N; Geyer's initial monotone sequence stops at the first non-positive pair; tau is at least 1/log10(M N).
"""
import math
from statistics import NormalDist


def chains_a():  # 4 chains x 20 draws, ties within and across chains
    return [[((k * k + 3 * c * k + c) % 13) + 0.5 * c for k in range(20)] for c in range(4)]


def chains_b():  # 3 chains x 25 draws (odd), the last chain on a wider scale
    return [[(((k * k * k + 5 * c) % 19) + k / 32) * (3 if c == 2 else 1) / 4 - 2 for k in range(25)] for c in range(3)]


def split(chains):
    n = len(chains[0]) // 2
    halves = []
    for x in chains:
        halves.append(x[:n])
        halves.append(x[n:2 * n])
    return halves


def mean(v):
    return sum(v) / len(v)


def split_rhat(halves):
    m, n = len(halves), len(halves[0])
    means = [mean(h) for h in halves]
    w = mean([sum((v - means[j]) ** 2 for v in h) / (n - 1) for j, h in enumerate(halves)])
    grand = mean(means)
    b = n * sum((mj - grand) ** 2 for mj in means) / (m - 1)
    return math.sqrt(((n - 1) / n * w + b / n) / w)


def ess(halves):
    m, n = len(halves), len(halves[0])
    means = [mean(h) for h in halves]

    def acov(j, t):
        return sum((halves[j][k] - means[j]) * (halves[j][k + t] - means[j]) for k in range(n - t)) / n

    w = mean([acov(j, 0) for j in range(m)]) * n / (n - 1)
    grand = mean(means)
    b = n * sum((mj - grand) ** 2 for mj in means) / (m - 1)
    var_plus = (n - 1) / n * w + b / n

    def rho(t):  # rho_0 = 1 by definition
        return 1.0 if t == 0 else 1 - (w - mean([acov(j, t) for j in range(m)])) / var_plus

    total, previous, t = 0.0, float("inf"), 0
    while 2 * t + 1 < n:
        pair = rho(2 * t) + rho(2 * t + 1)
        if pair <= 0:
            break
        previous = min(pair, previous)
        total += previous
        t += 1
    tau = max(-1 + 2 * total, 1 / math.log10(max(10, m * n)))
    return m * n / tau


def quantile7(values, p):
    s = sorted(values)
    h = (len(s) - 1) * p
    lo = math.floor(h)
    return s[lo] if lo + 1 >= len(s) else s[lo] + (h - lo) * (s[lo + 1] - s[lo])


def z_scores(halves):
    flat = [v for h in halves for v in h]
    size = len(flat)
    order = sorted(range(size), key=lambda i: flat[i])
    rank = [0.0] * size
    i = 0
    while i < size:
        j = i
        while j + 1 < size and flat[order[j + 1]] == flat[order[i]]:
            j += 1
        for q in range(i, j + 1):
            rank[order[q]] = (i + j) / 2 + 1
        i = j + 1
    z = [NormalDist().inv_cdf((r - 0.375) / (size + 0.25)) for r in rank]
    n = len(halves[0])
    return [z[j * n:(j + 1) * n] for j in range(len(halves))]


def summary(chains):
    halves = split(chains)
    flat = [v for h in halves for v in h]
    med = quantile7(flat, 0.5)
    folded = [[abs(v - med) for v in h] for h in halves]
    bulk = split_rhat(z_scores(halves))
    tail = split_rhat(z_scores(folded))
    tail_ess = min(ess([[1.0 if v <= quantile7(flat, p) else 0.0 for v in h] for h in halves]) for p in (0.05, 0.95))
    everything = [v for x in chains for v in x]
    mu = mean(everything)
    sd = math.sqrt(sum((v - mu) ** 2 for v in everything) / (len(everything) - 1))
    return {"BulkRHat": bulk, "TailRHat": tail, "RHat": max(bulk, tail), "EssBulk": ess(z_scores(halves)),
            "EssTail": tail_ess, "McseMean": sd / math.sqrt(ess(halves)), "Mean": mu}


for name, chains in (("A", chains_a()), ("B", chains_b())):
    for key, value in summary(chains).items():
        print(f"{name} {key} {value!r}")
