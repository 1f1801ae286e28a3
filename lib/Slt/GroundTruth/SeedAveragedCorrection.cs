using Microsoft.Data.Analysis;
using Slt.Estimators;
using Slt.Sampling;

namespace Slt.GroundTruth;

/// <summary>
/// The fluctuation correction checked in expectation over data sets: λ̂ (raw), βν̂ and λ̂ + βν̂ of one linear network on
/// many independent samples, each averaged over its chains, then their means and across-seed standard errors. One sample
/// cannot decide whether the correction is right, since its own fluctuation is as large as the correction; the mean over
/// S samples can, to within the across-seed standard error s/√S.
/// </summary>
/// <param name="Widths">Layer widths of the network.</param>
/// <param name="SampleSize">n of every sample.</param>
/// <param name="Optimum">Where w* was: the teacher, or the least-squares fit to each sample.</param>
/// <param name="Lambda">λ by Aoyagi's formula (d/2 for the regular model).</param>
/// <param name="Beta">β = nβ / n.</param>
/// <param name="Raw">λ̂ per seed (mean over its chains).</param>
/// <param name="Fluctuation">βν̂ per seed, ν̂ = (β/2) V_n from the functional variance (computed at either kind of w*).</param>
public sealed record SeedAveragedCorrection(IReadOnlyList<int> Widths, long SampleSize, OptimumKind Optimum, double Lambda, double Beta,
    double[] Raw, double[] Fluctuation)
{
    /// <summary>λ̂ + βν̂ per seed.</summary>
    public double[] Corrected => Raw.Zip(Fluctuation, (r, f) => r + f).ToArray();

    /// <summary>Mean and across-seed standard error of the raw λ̂.</summary>
    public (double Mean, double Se) RawMean => MeanAndSe(Raw);

    /// <summary>Mean and across-seed standard error of βν̂.</summary>
    public (double Mean, double Se) FluctuationMean => MeanAndSe(Fluctuation);

    /// <summary>Mean and across-seed standard error of λ̂ + βν̂.</summary>
    public (double Mean, double Se) CorrectedMean => MeanAndSe(Corrected);

    /// <summary>Runs the study: one sample and teacher per seed (<see cref="DeepLinearNetworkReplicates"/>, all samples' chains in
    /// one batched run), <paramref name="chainsPerSample"/> chains each with <paramref name="settings"/> (its Chains is replaced),
    /// and per sample the chains' mean λ̂ and βν̂.</summary>
    /// <exception cref="InvalidOperationException">A chain diverged or no functional variance was recorded.</exception>
    public static SeedAveragedCorrection Run(IReadOnlyList<int> widths, long n, IReadOnlyList<long> seeds, SgldSettings settings,
        int chainsPerSample = 4, OptimumKind optimum = OptimumKind.TrueParameter, IProgress<SamplingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var target = new DeepLinearNetworkReplicates(widths, n, seeds, chainsPerSample, optimum);
        var run = Sgld.Run(target, settings with { Chains = target.Chains }, progress);
        var perChain = Enumerable.Range(0, run.Chains).Select(c => run.NBeta * (run.MeanLoss[c] - run.Baseline[c])).ToArray();
        if (perChain.Any(v => !double.IsFinite(v)) || run.FunctionalVariance is not { } v)
            throw new InvalidOperationException($"[{string.Join(",", widths)}]: a chain diverged or recorded no functional variance; reduce the step size.");
        double beta = run.NBeta / n;
        var fluctuation = target.PerSample(v).Select(variance => beta * (beta * variance / 2)).ToArray();
        return new SeedAveragedCorrection(widths.ToArray(), n, optimum, target.TrueCoefficient.Lambda, beta, target.PerSample(perChain), fluctuation);
    }

    /// <summary>One row: network, w*, seeds, λ, mean raw λ̂, mean βν̂, mean λ̂ + βν̂ (each ± its across-seed se).</summary>
    public DataFrame ToDataFrame() => ToDataFrame([this]);

    /// <summary>One row per study.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<SeedAveragedCorrection> studies) => new(
        new StringDataFrameColumn("network", studies.Select(s => $"[{string.Join(",", s.Widths)}]")),
        new StringDataFrameColumn("w*", studies.Select(s => s.Optimum == OptimumKind.TrueParameter ? "teacher" : "fitted")),
        new PrimitiveDataFrameColumn<int>("seeds", studies.Select(s => s.Raw.Length)),
        new PrimitiveDataFrameColumn<double>("λ", studies.Select(s => s.Lambda)),
        new PrimitiveDataFrameColumn<double>("raw λ̂", studies.Select(s => s.RawMean.Mean)),
        new PrimitiveDataFrameColumn<double>("raw se", studies.Select(s => s.RawMean.Se)),
        new PrimitiveDataFrameColumn<double>("βν̂", studies.Select(s => s.FluctuationMean.Mean)),
        new PrimitiveDataFrameColumn<double>("βν̂ se", studies.Select(s => s.FluctuationMean.Se)),
        new PrimitiveDataFrameColumn<double>("λ̂ + βν̂", studies.Select(s => s.CorrectedMean.Mean)),
        new PrimitiveDataFrameColumn<double>("λ̂ + βν̂ se", studies.Select(s => s.CorrectedMean.Se)));

    /// <summary>A line for logs: every mean with its se, and λ.</summary>
    public override string ToString() =>
        $"[{string.Join(",", Widths)}] w* {(Optimum == OptimumKind.TrueParameter ? "teacher" : "fitted")}, n = {SampleSize}, β = {Beta:F4}, {Raw.Length} seeds: " +
        $"raw λ̂ {RawMean.Mean:F4} ± {RawMean.Se:F4}, βν̂ {FluctuationMean.Mean:F4} ± {FluctuationMean.Se:F4}, " +
        $"λ̂ + βν̂ {CorrectedMean.Mean:F4} ± {CorrectedMean.Se:F4}, λ {Lambda}";

    private static (double Mean, double Se) MeanAndSe(double[] values) => AcrossChains.MeanAndStandardError(values);
}
