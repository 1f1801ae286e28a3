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

    /// <summary>Runs the study: for each seed a fresh sample and teacher (<see cref="DeepLinearNetworkTarget"/> with that seed),
    /// <paramref name="settings"/> with the seed, and the chains' mean λ̂ and βν̂.</summary>
    /// <exception cref="InvalidOperationException">A run diverged or recorded no functional variance.</exception>
    public static SeedAveragedCorrection Run(IReadOnlyList<int> widths, long n, IReadOnlyList<long> seeds, SgldSettings settings,
        OptimumKind optimum = OptimumKind.TrueParameter, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(settings);
        if (seeds.Count < 2) throw new ArgumentException($"A seed average needs at least 2 seeds; got {seeds.Count}.", nameof(seeds));
        var raw = new double[seeds.Count];
        var fluctuation = new double[seeds.Count];
        double lambda = double.NaN, beta = double.NaN;
        for (int i = 0; i < seeds.Count; i++)
        {
            progress?.Report($"[{string.Join(",", widths)}] seed {seeds[i]} ({i + 1}/{seeds.Count})");
            using var target = new DeepLinearNetworkTarget(widths, 0, n, seeds[i], optimum: optimum);
            lambda = target.TrueCoefficient.Lambda;
            var r = LocalLearningCoefficient.Estimate(target, settings with { Seed = seeds[i] });
            if (r.Mean is not double mean || r.Run.FunctionalVariance is not { } v)
                throw new InvalidOperationException($"Seed {seeds[i]}: no estimate ({r.Diagnostics.Verdict}).");
            beta = r.NBeta / n;
            raw[i] = mean;
            fluctuation[i] = beta * (beta * v.Average() / 2);
        }
        return new SeedAveragedCorrection(widths.ToArray(), n, optimum, lambda, beta, raw, fluctuation);
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
