namespace Slt.Estimators;

/// <summary>Summaries of one number per independent chain.</summary>
internal static class AcrossChains
{
    /// <summary>The mean, and the standard error s/√c with s the sample standard deviation over the c chains
    /// (NaN for a single chain).</summary>
    public static (double Mean, double StandardError) MeanAndStandardError(IReadOnlyList<double> perChain)
    {
        double mean = perChain.Average();
        double se = perChain.Count > 1
            ? Math.Sqrt(perChain.Sum(v => (v - mean) * (v - mean)) / (perChain.Count - 1) / perChain.Count)
            : double.NaN;
        return (mean, se);
    }
}
