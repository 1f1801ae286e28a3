namespace Slt.Diagnostics;

/// <summary>
/// Thresholds of the convergence verdict of <see cref="ChainSummary"/>. The trustworthy bounds are the recommendation of
/// Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021), Bayesian Analysis 16: R̂ below 1.01, and bulk- and tail-ESS above
/// 400 (100 per chain for four chains), enough for the R̂ and ESS estimates themselves to be reliable. The caution band
/// (R̂ up to 1.05, ESS down to 100) is this workbook's convention for "usable with care"; beyond it the number is untrustworthy.
/// </summary>
public sealed record ConvergenceThresholds
{
    /// <summary>R̂ below this is trustworthy (default 1.01).</summary>
    public double RHatTrustworthy { get; init; } = 1.01;
    /// <summary>R̂ from <see cref="RHatTrustworthy"/> up to this warrants caution; at or above it, untrustworthy (default 1.05).</summary>
    public double RHatCaution { get; init; } = 1.05;
    /// <summary>Bulk- and tail-ESS at or above this are trustworthy (default 400).</summary>
    public double EssTrustworthy { get; init; } = 400;
    /// <summary>ESS from this up to <see cref="EssTrustworthy"/> warrants caution; below it, untrustworthy (default 100).</summary>
    public double EssCaution { get; init; } = 100;
}

/// <summary>
/// The convergence diagnostics of one scalar quantity traced by several chains (Vehtari et al. 2021).
/// </summary>
/// <param name="RHat">Rank-normalized split-R̂, the larger of the bulk and the tail (folded) R̂.</param>
/// <param name="EssBulk">ESS of the rank-normalized split chains.</param>
/// <param name="EssTail">The smaller ESS of the 5% and 95% quantile indicators.</param>
/// <param name="McseMean">Monte Carlo standard error of <paramref name="Mean"/>, sd / √ESS of the raw draws.</param>
/// <param name="Mean">Mean of all draws.</param>
/// <param name="Chains">Number of chains.</param>
/// <param name="Draws">Draws per chain.</param>
public sealed record ChainSummary(double RHat, double EssBulk, double EssTail, double McseMean, double Mean, int Chains, int Draws)
{
    /// <summary>
    /// All diagnostics of equally long chains. The diagnostics are NaN when a chain has fewer than 4 draws or any value is
    /// not finite; no chains, or chains of different lengths, are an <see cref="ArgumentException"/>.
    /// </summary>
    public static ChainSummary Compute(IReadOnlyList<double[]> chains)
    {
        double rhat = ConvergenceDiagnostics.RankNormalizedRHat(chains); // validates the shape first
        return new ChainSummary(rhat, ConvergenceDiagnostics.BulkEss(chains), ConvergenceDiagnostics.TailEss(chains),
            ConvergenceDiagnostics.McseMean(chains), chains.SelectMany(c => c).DefaultIfEmpty(double.NaN).Average(), chains.Count, chains[0].Length);
    }

    /// <summary>The worse of the R̂ level and the ESS level (min of bulk and tail); Untrustworthy when any is NaN.</summary>
    public Trust TrustLevel(ConvergenceThresholds? thresholds = null)
    {
        var th = thresholds ?? new ConvergenceThresholds();
        double ess = Math.Min(EssBulk, EssTail);
        if (double.IsNaN(RHat) || double.IsNaN(ess)) return Trust.Untrustworthy;
        var rhatLevel = RHat < th.RHatTrustworthy ? Trust.Trustworthy
            : RHat < th.RHatCaution ? Trust.Caution : Trust.Untrustworthy;
        var essLevel = ess >= th.EssTrustworthy ? Trust.Trustworthy
            : ess >= th.EssCaution ? Trust.Caution : Trust.Untrustworthy;
        return (Trust)Math.Max((int)rhatLevel, (int)essLevel);
    }

    /// <summary>The verdict in plain words: the level and the numbers that set it.</summary>
    public string Verdict(ConvergenceThresholds? thresholds = null)
    {
        var th = thresholds ?? new ConvergenceThresholds();
        string numbers = $"R̂ {RHat:F3} (trustworthy below {th.RHatTrustworthy}), bulk-ESS {EssBulk:F0}, tail-ESS {EssTail:F0} (trustworthy from {th.EssTrustworthy}).";
        return TrustLevel(th) switch
        {
            Trust.Trustworthy => "Trustworthy: the chains agree and the draws suffice: " + numbers,
            Trust.Caution => "Use with care: " + numbers,
            _ when double.IsNaN(RHat) => $"Do not trust: no diagnostics ({Draws} draws per chain, at least 4 needed, or a value that is not finite).",
            _ => "Do not trust: " + numbers,
        };
    }
}
