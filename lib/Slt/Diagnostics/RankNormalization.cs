namespace Slt.Diagnostics;

/// <summary>
/// The transformations behind the rank-normalized diagnostics of Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021),
/// "Rank-normalization, folding, and localization: an improved R̂ for assessing convergence of MCMC", Bayesian Analysis 16.
/// Each acts on all draws of all chains jointly and keeps the chains' shape.
/// </summary>
public static class RankNormalization
{
    /// <summary>
    /// z = Φ⁻¹((r − 3/8)/(S + 1/4)), with r the rank of a draw among all S draws (ties get their average rank):
    /// Blom's normal scores (Vehtari et al. 2021).
    /// </summary>
    public static double[][] ZScores(IReadOnlyList<double[]> chains)
    {
        var ranks = AverageRanks(chains);
        double s = chains.Sum(c => c.Length);
        return ranks.Select(c => c.Select(r => StandardNormal.Quantile((r - 0.375) / (s + 0.25))).ToArray()).ToArray();
    }

    /// <summary>Ranks 1..S of all draws jointly; a group of tied draws gets the mean of the ranks it spans.</summary>
    public static double[][] AverageRanks(IReadOnlyList<double[]> chains)
    {
        var order = chains.SelectMany((c, i) => c.Select((v, k) => (Value: v, Chain: i, Draw: k))).OrderBy(d => d.Value).ToArray();
        var ranks = chains.Select(c => new double[c.Length]).ToArray();
        for (int first = 0; first < order.Length;)
        {
            int last = first;
            while (last + 1 < order.Length && order[last + 1].Value == order[first].Value) last++;
            double average = (first + last) / 2.0 + 1;
            for (int j = first; j <= last; j++) ranks[order[j].Chain][order[j].Draw] = average;
            first = last + 1;
        }
        return ranks;
    }

    /// <summary>Folded draws |x − median(x)|, the median over all draws (Vehtari et al. 2021).</summary>
    public static double[][] Fold(IReadOnlyList<double[]> chains)
    {
        double median = EmpiricalQuantile(chains.SelectMany(c => c).ToArray(), 0.5);
        return chains.Select(c => c.Select(v => Math.Abs(v - median)).ToArray()).ToArray();
    }

    /// <summary>The empirical p-quantile by linear interpolation between order statistics, x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎)
    /// with h = (S − 1)p on 0-based order statistics (Hyndman and Fan's type 7, R's default).</summary>
    public static double EmpiricalQuantile(double[] draws, double p)
    {
        if (draws.Length == 0) return double.NaN;
        var sorted = draws.Order().ToArray();
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        return lo + 1 < sorted.Length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
    }
}
