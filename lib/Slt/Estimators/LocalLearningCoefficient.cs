using Slt.Diagnostics;
using Slt.Sampling;

namespace Slt.Estimators;

/// <summary>
/// The local learning coefficient estimator of Lau et al. (2023, arXiv 2308.12108):
/// λ̂(w*) = nβ (E_{w∼p_β}[L_n(w)] − L_n(w*)), p_β(w) ∝ exp(−nβ L_n(w) − (γ/2)‖w − w*‖²), β = 1/log n by default.
/// </summary>
/// <remarks>
/// Differences from devinterp (peers.md): the baseline L_n(w*) is computed per chain on the evaluation set (full
/// data by default), not one shared mini-batch loss; burn-in never enters the mean; a run with a diverging chain has no
/// estimate. Data-restricted LLC (Wang et al. 2024, arXiv 2410.02984): estimate on a target restricted to a
/// sub-distribution (e.g. <c>DeepLinearNetworkTarget.RestrictTo</c>); weight-restricted LLC: name the sampled parameters
/// in <see cref="SgldSettings.SampledParameters"/>. On a sample, λ̂ is biased low by β ν(β) (Watanabe's equation of
/// state); where the target gives per-point losses the result carries the corrected λ̂ + β ν̂ too
/// (<see cref="FluctuationCorrection"/>).
/// </remarks>
public static class LocalLearningCoefficient
{
    /// <summary>Samples and estimates.</summary>
    public static LlcResult Estimate(ITemperedTarget target, SgldSettings settings, KnownTruth? truth = null,
        IProgress<SamplingProgress>? progress = null, DiagnosticThresholds? thresholds = null, CancellationToken cancellationToken = default) =>
        FromRun(Sgld.Run(target, settings, progress, cancellationToken), truth, thresholds);

    /// <summary>The estimate from a finished run.</summary>
    public static LlcResult FromRun(SamplingRun run, KnownTruth? truth = null, DiagnosticThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var diagnostics = SamplerDiagnostics.Assess(run, thresholds);
        var perChain = Enumerable.Range(0, run.Chains).Select(c => run.NBeta * (run.MeanLoss[c] - run.Baseline[c])).ToArray();
        int draws = run.Draws.Min(d => d.Length);
        var online = new double[draws];
        var sums = new double[run.Chains];
        for (int k = 0; k < draws; k++)
        {
            double total = 0;
            for (int c = 0; c < run.Chains; c++)
            {
                sums[c] += run.Draws[c][k];
                total += run.NBeta * (sums[c] / (k + 1) - run.Baseline[c]);
            }
            online[k] = total / run.Chains;
        }
        if (diagnostics.IsDivergent || perChain.Any(v => !double.IsFinite(v)))
            return new LlcResult(null, null, perChain.Select(v => double.IsFinite(v) ? v : double.NaN).ToArray(), online, diagnostics, run, truth);
        var (mean, se) = AcrossChains.MeanAndStandardError(perChain);
        if (EstimateBounds.CheckLearningCoefficient(mean, se, run.SampledDimension) is { } outside)
            diagnostics = diagnostics.With(outside.Level, outside.Reason);
        var correction = run.FunctionalVariance is { } v ? FluctuationCorrection.From(perChain, v, run.NBeta, run.SampleSize) : null;
        return new LlcResult(mean, se, perChain, online, diagnostics, run, truth) { Correction = correction };
    }
}
