namespace Slt.Diagnostics;

/// <summary>
/// Between-chain convergence diagnostics on per-chain traces x[c][k] (Gelman et al., Bayesian Data Analysis, 3rd ed.,
/// §11.4–11.5; Vehtari et al. 2021, "Rank-normalization, folding, and localization", Bayesian Analysis 16).
/// </summary>
public static class ConvergenceDiagnostics
{
    /// <summary>
    /// Split-R̂: each chain is cut in halves, then R̂ = √(((N−1)/N · W + B/N) / W), W the mean within-half variance,
    /// B/N the variance of the half means. Near 1 when the chains agree; above ~1.01–1.1, they do not.
    /// NaN when fewer than 4 draws or any value is not finite.
    /// </summary>
    public static double SplitRHat(IReadOnlyList<double[]> chains)
    {
        var halves = SplitHalves(chains);
        if (halves is null) return double.NaN;
        int n = halves[0].Length;
        var means = halves.Select(h => h.Average()).ToArray();
        double w = halves.Select((h, i) => h.Sum(x => (x - means[i]) * (x - means[i])) / (n - 1)).Average();
        double grand = means.Average();
        double b = n * means.Sum(m => (m - grand) * (m - grand)) / (means.Length - 1);
        if (w <= 0) return b <= 0 ? 1.0 : double.PositiveInfinity;
        double varPlus = (n - 1.0) / n * w + b / n;
        return Math.Sqrt(varPlus / w);
    }

    /// <summary>
    /// Effective sample size over all chains, with the multi-chain autocorrelation ρ̂_t = 1 − (W − mean_c γ̂_{c,t}) / var⁺
    /// of split chains and Geyer's initial monotone positive sequence (Stan's estimator, BDA3 §11.5).
    /// NaN when fewer than 4 draws or any value is not finite.
    /// </summary>
    public static double EffectiveSampleSize(IReadOnlyList<double[]> chains)
    {
        var halves = SplitHalves(chains);
        if (halves is null) return double.NaN;
        int m = halves.Length, n = halves[0].Length;
        var means = halves.Select(h => h.Average()).ToArray();
        var centred = halves.Select((h, i) => h.Select(x => x - means[i]).ToArray()).ToArray();
        double Autocov(int lag) => centred.Average(h =>
        {
            double s = 0;
            for (int k = 0; k + lag < n; k++) s += h[k] * h[k + lag];
            return s / n;
        });
        double gamma0 = Autocov(0);
        double w = gamma0 * n / (n - 1);
        double grand = means.Average();
        double b = m > 1 ? n * means.Sum(x => (x - grand) * (x - grand)) / (m - 1) : 0;
        double varPlus = (n - 1.0) / n * w + b / n;
        if (varPlus <= 0) return m * (double)n;
        double Rho(int lag) => 1 - (w - Autocov(lag)) / varPlus;
        // Geyer: sum pairs P_t = ρ_{2t} + ρ_{2t+1} while positive, forcing them monotone non-increasing.
        double sum = 0, previous = double.PositiveInfinity;
        for (int t = 0; 2 * t + 1 < n; t++)
        {
            double pair = (t == 0 ? 1.0 : Rho(2 * t)) + Rho(2 * t + 1);
            if (pair <= 0) break;
            pair = Math.Min(pair, previous);
            previous = pair;
            sum += pair;
        }
        double tau = Math.Max(-1 + 2 * sum, 1.0 / Math.Log10(Math.Max(10, m * (double)n)));
        return m * (double)n / tau;
    }

    /// <summary>
    /// Rank-normalized split-R̂ of Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021, Bayesian Analysis 16):
    /// the larger of the bulk R̂ (<see cref="BulkRHat"/>) and the tail R̂ (<see cref="TailRHat"/>).
    /// NaN when fewer than 4 draws per chain or any value is not finite; ragged chains are an error.
    /// </summary>
    public static double RankNormalizedRHat(IReadOnlyList<double[]> chains) => Math.Max(BulkRHat(chains), TailRHat(chains));

    /// <summary>Bulk R̂: split-R̂ of the rank-normalized draws z = Φ⁻¹((r − 3/8)/(S + 1/4)) (Vehtari et al. 2021).
    /// Sensitive to chains that differ in location, and finite even when the draws have no finite variance.</summary>
    public static double BulkRHat(IReadOnlyList<double[]> chains) =>
        EvenDraws(chains) is { } x ? SplitRHat(RankNormalization.ZScores(x)) : double.NaN;

    /// <summary>Tail R̂: split-R̂ of the rank-normalized folded draws |x − median(x)| (Vehtari et al. 2021).
    /// Sensitive to chains that differ in scale, which the bulk R̂ misses.</summary>
    public static double TailRHat(IReadOnlyList<double[]> chains) =>
        EvenDraws(chains) is { } x ? SplitRHat(RankNormalization.ZScores(RankNormalization.Fold(x))) : double.NaN;

    /// <summary>Bulk-ESS: <see cref="EffectiveSampleSize"/> of the rank-normalized split chains (Vehtari et al. 2021).
    /// NaN when fewer than 4 draws per chain or any value is not finite; ragged chains are an error.</summary>
    public static double BulkEss(IReadOnlyList<double[]> chains) =>
        EvenDraws(chains) is { } x ? EffectiveSampleSize(RankNormalization.ZScores(x)) : double.NaN;

    /// <summary>Tail-ESS: the smaller of the ESS of the indicators I(x ≤ q₀.₀₅) and I(x ≤ q₀.₉₅), with q_p the empirical
    /// quantiles of all draws (Vehtari et al. 2021): how well the 5% and 95% quantiles are estimated.</summary>
    public static double TailEss(IReadOnlyList<double[]> chains)
    {
        if (EvenDraws(chains) is not { } x) return double.NaN;
        return Math.Min(QuantileEss(x, 0.05), QuantileEss(x, 0.95));
    }

    /// <summary>
    /// Monte Carlo standard error of the mean, sd / √ESS, with sd the standard deviation of all draws and ESS the
    /// <see cref="EffectiveSampleSize"/> of the raw (not rank-normalized) draws (Vehtari et al. 2021).
    /// NaN when fewer than 4 draws per chain or any value is not finite; ragged chains are an error.
    /// </summary>
    public static double McseMean(IReadOnlyList<double[]> chains)
    {
        if (EvenDraws(chains) is null) return double.NaN;
        var all = chains.SelectMany(c => c).ToArray();
        double mean = all.Average();
        double sd = Math.Sqrt(all.Sum(v => (v - mean) * (v - mean)) / (all.Length - 1));
        return sd / Math.Sqrt(EffectiveSampleSize(chains));
    }

    private static double QuantileEss(double[][] x, double p)
    {
        double q = RankNormalization.EmpiricalQuantile(x.SelectMany(c => c).ToArray(), p);
        return EffectiveSampleSize(x.Select(c => c.Select(v => v <= q ? 1.0 : 0.0).ToArray()).ToArray());
    }

    /// <summary>The draws the split diagnostics use: each chain cut to an even length (the last draw of an odd chain
    /// dropped, as <see cref="SplitRHat"/> does), so that ranks and quantiles are over exactly the split draws.
    /// Null when fewer than 4 draws per chain or any value is not finite.</summary>
    private static double[][]? EvenDraws(IReadOnlyList<double[]> chains)
    {
        ArgumentNullException.ThrowIfNull(chains);
        if (chains.Count == 0) throw new ArgumentException("No chains.", nameof(chains));
        int n = chains[0].Length;
        for (int c = 1; c < chains.Count; c++)
            if (chains[c].Length != n)
                throw new ArgumentException($"Ragged chains: chain 0 has {n} draws, chain {c} has {chains[c].Length}.", nameof(chains));
        if (n < 4 || chains.Any(c => c.Any(v => !double.IsFinite(v)))) return null;
        return chains.Select(c => c[..(n / 2 * 2)]).ToArray();
    }

    private static double[][]? SplitHalves(IReadOnlyList<double[]> chains)
    {
        if (chains.Count == 0) return null;
        int n = chains.Min(c => c.Length) / 2;
        if (n < 2) return null;
        if (chains.Any(c => c.Any(x => !double.IsFinite(x)))) return null;
        return chains.SelectMany(c => new[] { c[..n], c[n..(2 * n)] }).ToArray();
    }
}
