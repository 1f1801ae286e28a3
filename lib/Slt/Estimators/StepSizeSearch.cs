using System.Diagnostics;
using Slt.Sampling;

namespace Slt.Estimators;

/// <summary>What <see cref="StepSizeSearch"/> tried and chose.</summary>
/// <param name="Chosen">The bias-checked estimate at the chosen ε (its <see cref="StepSizeBiasEstimate.AtStep"/> is the answer);
/// null when no step size passed.</param>
/// <param name="Tried">Every pair (ε, ε/2) run, in order.</param>
/// <param name="Seconds">Wall-clock seconds of the whole search, the final estimate included.</param>
/// <param name="Summary">What was tried and why this ε, in plain words.</param>
public sealed record StepSizeSearchResult(StepSizeBiasEstimate? Chosen, IReadOnlyList<StepSizeBiasEstimate> Tried, double Seconds, string Summary)
{
    /// <summary>The answer: the estimate at the chosen ε with its verdict, or the last one tried when none passed (its verdict says why).</summary>
    public LlcResult Result => (Chosen ?? Tried[^1]).AtStep;

    /// <summary>SGLD steps of every chain of every run, summed: the search's cost in gradient evaluations per chain.</summary>
    public long TotalSteps => Tried.Sum(t => t.AtStep.Run.Settings.TotalSteps + t.AtHalfStep.Run.Settings.TotalSteps);
}

/// <summary>
/// <c>--epsilon auto</c>: the largest SGLD step whose measured step-size bias is within tolerance, then the estimate there.
/// </summary>
/// <remarks>
/// The bias is first order, b(ε) ≈ cε, so one bias measurement predicts the largest step within tolerance:
/// ε' = ε · 0.7 tol|λ̂₀| / |b| (0.7 for safety), kept within [ε/8, 4ε]. The protocol: measure the bias at the starting ε
/// (a pair ε, ε/2; <see cref="StepSizeBias"/>); when a run diverges, divide ε by 4; when the bias is not resolved (|b| below its
/// standard error) multiply ε by 4; otherwise jump to the predicted ε'. Stop at the first ε that passes and is at least
/// the largest one tried below it, or after <see cref="MaxPairs"/> pairs, and return the largest passing ε. Every run spans
/// the Langevin time of the template settings at the starting ε (burn-in and thinning scale with ε_start/ε), so a
/// smaller ε costs more steps and the search's price is reported (<see cref="StepSizeSearchResult.TotalSteps"/>).
/// </remarks>
public static class StepSizeSearch
{
    /// <summary>Most pairs (ε, ε/2) the search runs.</summary>
    public const int MaxPairs = 5;

    /// <summary>Runs the search from <paramref name="template"/>'s step size, sampler settings and seed.</summary>
    public static StepSizeSearchResult Run(ITemperedTarget target, SgldSettings template, KnownTruth? truth = null,
        double tolerance = StepSizeBias.DefaultTolerance, IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(template);
        var clock = Stopwatch.StartNew();
        double start = template.StepSize, eps = start;
        var tried = new List<StepSizeBiasEstimate>();
        var notes = new List<string>();
        for (int pair = 0; pair < MaxPairs; pair++)
        {
            if (tried.Any(t => Math.Abs(t.StepSize / eps - 1) < 1e-9)) break;
            var estimate = StepSizeBias.Estimate(target, AtLangevinTimeOf(template, start, eps), truth, tolerance, progress, cancellationToken);
            tried.Add(estimate);
            double next;
            if (estimate.Bias is not double b || estimate.Extrapolated is not double x)
            {
                next = eps / 4;
                notes.Add($"ε = {eps:G3}: diverged");
            }
            else if (Math.Abs(b) <= estimate.BiasStandardError!.Value)
            {
                next = 4 * eps;
                notes.Add($"ε = {eps:G3}: bias {b:G2} ± {estimate.BiasStandardError:G2} not resolved");
            }
            else
            {
                next = eps * Math.Clamp(0.7 * tolerance * Math.Abs(x) / Math.Abs(b), 1.0 / 8, 4);
                notes.Add($"ε = {eps:G3}: bias {b:G2} ± {estimate.BiasStandardError:G2} ({(estimate.WithinTolerance ? "within" : "beyond")} tolerance)");
            }
            var passing = tried.Where(t => t.WithinTolerance).Select(t => t.StepSize).DefaultIfEmpty(0).Max();
            var failingAbove = tried.Where(t => !t.WithinTolerance && t.StepSize > passing).Select(t => t.StepSize).DefaultIfEmpty(double.PositiveInfinity).Min();
            // Done when a passing ε exists and the next proposal would not improve on it within a factor 2 of the nearest failure.
            if (passing > 0 && (next <= passing || next >= failingAbove || failingAbove <= 2 * passing)) break;
            if (passing > 0 && next > passing) next = Math.Min(next, failingAbove / 2);
            eps = next;
        }
        var chosen = tried.Where(t => t.WithinTolerance).OrderByDescending(t => t.StepSize).FirstOrDefault();
        string summary = (chosen is null
            ? $"No step size passed the bias check (tolerance {tolerance:P0}); tried "
            : $"Chose ε = {chosen.StepSize:G3}, the largest step whose bias was within one se + {tolerance:P0}; tried ") +
            string.Join("; ", notes) + $". {tried.Count * 2} runs, {clock.Elapsed.TotalSeconds:F0} s.";
        return new StepSizeSearchResult(chosen, tried, clock.Elapsed.TotalSeconds, summary);
    }

    /// <summary>The template's settings at step <paramref name="eps"/>, with burn-in and thinning scaled by start/ε so that
    /// every run spans the same Langevin time as the template at <paramref name="start"/>.</summary>
    public static SgldSettings AtLangevinTimeOf(SgldSettings template, double start, double eps)
    {
        double r = start / eps;
        return template with
        {
            StepSize = eps,
            BurnIn = (int)Math.Min(int.MaxValue / 4, Math.Ceiling(template.BurnIn * r)),
            StepsBetweenDraws = (int)Math.Max(1, Math.Min(int.MaxValue / 4, Math.Ceiling(template.StepsBetweenDraws * r))),
        };
    }
}
