using System.Diagnostics;
using Slt.Sampling;

namespace Slt.Estimators;

/// <summary>What <see cref="StepSizeSearch"/> tried and chose.</summary>
/// <param name="Chosen">The bias-checked estimate at the chosen ε (its <see cref="StepSizeBiasEstimate.AtStep"/> is the answer);
/// null when no step size could be shown to pass.</param>
/// <param name="Tried">Every pair (ε, ε/2) run, in order.</param>
/// <param name="Seconds">Wall-clock seconds of the whole search, the final estimate included.</param>
/// <param name="Summary">What was tried and why this ε, in plain words.</param>
public sealed record StepSizeSearchResult(StepSizeBiasEstimate? Chosen, IReadOnlyList<StepSizeBiasEstimate> Tried, double Seconds, string Summary)
{
    /// <summary>The answer: the estimate at the chosen ε with its verdict; when no step passed, the last one tried, its verdict
    /// lowered to "Use with care" at best, since its step-size bias could not be bounded.</summary>
    public LlcResult Result => Chosen is { } c ? c.AtStep
        : Tried[^1].AtStep with
        {
            Diagnostics = Tried[^1].AtStep.Diagnostics.With(Diagnostics.Trust.Caution,
                "The step-size search could not show a bias within tolerance at any step tried; the bias of this estimate is unknown."),
        };

    /// <summary>SGLD steps of every chain of every run, summed: the search's cost in gradient evaluations per chain.</summary>
    public long TotalSteps => Tried.Sum(t => t.AtStep.Run.Settings.TotalSteps + t.AtHalfStep.Run.Settings.TotalSteps);
}

/// <summary>
/// <c>--epsilon auto</c>: the largest SGLD step whose step-size bias is within tolerance, then the estimate there.
/// </summary>
/// <remarks>
/// The bias is first order, b(ε) ≈ cε (<see cref="StepSizeBias"/>), and c is measured best where the bias is large against
/// its standard error, i.e. at a larger step than the one finally used. The protocol:
/// <list type="number">
/// <item>Measure the bias at the starting ε (a pair ε, ε/2). A run that diverges: divide ε by 4. A bias not resolved
/// (|b| ≤ 2 se): multiply ε by 4, since at a larger step it shows (larger steps are also cheaper: every run spans the Langevin time
/// of the template at the starting ε).</item>
/// <item>From the smallest resolved pair, ĉ = b/ε with standard error se_b/ε; the chosen step is the largest whose predicted
/// bias, upper bound included, is within tolerance: ε* = tol·|λ̂₀| / (|ĉ| + se_ĉ). Over-estimating c (a bias growing faster
/// than linearly at the measured step) only makes ε* safer.</item>
/// <item>Estimate at ε* with its own bias check (the verdict). If that check still finds the bias beyond tolerance, ĉ is
/// re-measured there and ε* recomputed, at most <see cref="MaxPairs"/> pairs in all.</item>
/// </list>
/// When no pair resolves the bias before the runs diverge, the largest step whose bias upper bound |b| + se is within
/// tolerance is taken; when none is, the search says so and returns the last estimate with its verdict.
/// </remarks>
public static class StepSizeSearch
{
    /// <summary>Most pairs (ε, ε/2) the search runs.</summary>
    public const int MaxPairs = 6;

    /// <summary>The smallest step tried is the starting one divided by this (16). Every run spans the starting Langevin time,
    /// so a step 16 times smaller costs 16 times the steps; and a bias that has not come within tolerance by then is
    /// usually not step-size bias at all (chains too short for their burn-in, a point that is no minimum).</summary>
    public const double SmallestFraction = 16;

    /// <summary>Runs the search from <paramref name="template"/>'s step size, sampler settings and seed.</summary>
    public static StepSizeSearchResult Run(ITemperedTarget target, SgldSettings template, KnownTruth? truth = null,
        double tolerance = StepSizeBias.DefaultTolerance, IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(template);
        var clock = Stopwatch.StartNew();
        double start = template.StepSize, eps = start, floor = start / SmallestFraction;
        var tried = new List<StepSizeBiasEstimate>();
        var notes = new List<string>();
        StepSizeBiasEstimate? final = null;
        bool Resolved(StepSizeBiasEstimate e) => e.Bias is double b && Math.Abs(b) > 2 * e.BiasStandardError!.Value;
        for (int iteration = 0; iteration < 3 * MaxPairs && tried.Count <= MaxPairs; iteration++)
        {
            var estimate = tried.FirstOrDefault(t => Math.Abs(t.StepSize / eps - 1) < 1e-9)
                ?? StepSizeBias.Estimate(target, AtLangevinTimeOf(template, start, eps), truth, tolerance, progress, cancellationToken);
            if (!tried.Contains(estimate)) tried.Add(estimate);
            if (estimate.Bias is not double b || estimate.Extrapolated is not double x)
            {
                notes.Add($"ε = {eps:G3}: diverged");
                if (eps <= floor * (1 + 1e-9)) break;
                eps = Math.Max(floor, eps / 4);
                continue;
            }
            notes.Add($"ε = {eps:G3}: bias {b:G2} ± {estimate.BiasStandardError:G2}{(Resolved(estimate) ? "" : " (not resolved)")}");
            var resolved = tried.Where(Resolved).OrderBy(t => t.StepSize).FirstOrDefault();
            if (resolved is null)
            {
                bool divergedAbove = tried.Any(t => t.Bias is null && t.StepSize > eps);
                if (!divergedAbove) { eps *= 4; continue; }
                break; // the bias never showed before the runs diverged
            }
            if (final is not null && ReferenceEquals(estimate, final) && !ExceedsTolerance(final)) break;
            double c = Math.Abs(resolved.Bias!.Value) / resolved.StepSize, seC = resolved.BiasStandardError!.Value / resolved.StepSize;
            double next = Math.Max(floor, tolerance * Math.Abs(resolved.Extrapolated!.Value) / (c + seC));
            // A step already shown to exceed the tolerance is never proposed again: halve below the smallest such step.
            double failedBelow = tried.Where(ExceedsTolerance).Select(t => t.StepSize).DefaultIfEmpty(double.PositiveInfinity).Min();
            if (next >= failedBelow * (1 - 1e-9)) next = failedBelow / 2;
            if (final is not null && Math.Abs(next / final.StepSize - 1) < 1e-9) break;
            // A passing step already tried just below the prediction (within 20%) is as good: no new pair for a few percent.
            var near = tried.Where(t => t.Bias is not null && !ExceedsTolerance(t) && t.StepSize <= next * (1 + 1e-9) && t.StepSize >= 0.8 * next)
                .OrderByDescending(t => t.StepSize).FirstOrDefault();
            if (near is not null)
            {
                final = near;
                notes.Add($"predicted ε* = {next:G3} from ĉ = {c:G3} ± {seC:G2}: kept the tried ε = {near.StepSize:G3}");
                break;
            }
            eps = next;
            final = tried.FirstOrDefault(t => Math.Abs(t.StepSize / eps - 1) < 1e-9);
            if (final is null)
            {
                if (tried.Count >= MaxPairs) break;
                final = StepSizeBias.Estimate(target, AtLangevinTimeOf(template, start, eps), truth, tolerance, progress, cancellationToken);
                tried.Add(final);
                notes.Add($"predicted ε* = {eps:G3} from ĉ = {c:G3} ± {seC:G2}: bias there {final.Bias:G2} ± {final.BiasStandardError:G2}");
            }
            if (final.Bias is null || ExceedsTolerance(final))
            {
                if (eps <= floor * (1 + 1e-9))
                {
                    notes.Add($"the bias is still beyond tolerance at the smallest step tried, ε/{SmallestFraction:G}: it does not shrink like a step-size bias (longer runs?)");
                    final = null;
                    break;
                }
                final = null;
                continue;
            }
            break;
        }
        var chosen = final is { Bias: not null } && !ExceedsTolerance(final) ? final
            : tried.Where(t => t.Bias is double b && Math.Abs(b) + t.BiasStandardError!.Value <= tolerance * Math.Abs(t.Extrapolated!.Value))
                .OrderByDescending(t => t.StepSize).FirstOrDefault();
        string summary = (chosen is null
            ? $"No step size could be shown to have a bias within {tolerance:P0} (the runs are too short to resolve it, or every step diverged); tried "
            : $"Chose ε = {chosen.StepSize:G3}, the largest step whose predicted bias (upper bound) is within {tolerance:P0}; tried ") +
            string.Join("; ", notes) + $". {tried.Count * 2} runs, {clock.Elapsed.TotalSeconds:F0} s.";
        return new StepSizeSearchResult(chosen, tried, clock.Elapsed.TotalSeconds, summary);
    }

    private static bool ExceedsTolerance(StepSizeBiasEstimate e) =>
        e.Bias is double b && Math.Abs(b) - e.BiasStandardError!.Value > e.Tolerance * Math.Abs(e.Extrapolated!.Value);

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
