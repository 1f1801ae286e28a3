using Slt.Diagnostics;
using Slt.Sampling;

namespace Slt.Estimators;

/// <summary>
/// SGLD's discretization bias measured on the run itself. The bias of the estimate is first order in the step size,
/// λ̂(ε) = λ₀ + cε + O(ε²) (for unadjusted Langevin the stationary law is off by O(ε); on a Gaussian of curvature h the
/// variance is inflated by the factor 1/(1 − εh/4)). Sampling again at ε/2, over the same Langevin time (twice the
/// burn-in and twice the steps between draws), gives the Richardson extrapolation λ̂₀ = 2λ̂(ε/2) − λ̂(ε) and the bias at ε,
/// b = λ̂(ε) − λ̂₀ = 2(λ̂(ε) − λ̂(ε/2)), with standard errors from the two independent runs.
/// </summary>
/// <param name="AtStep">The estimate at ε, its verdict extended by the bias check.</param>
/// <param name="AtHalfStep">The estimate at ε/2.</param>
/// <param name="Extrapolated">λ̂₀ = 2λ̂(ε/2) − λ̂(ε), free of the first-order bias; null when either run has no number.</param>
/// <param name="ExtrapolatedStandardError">√(4 se(ε/2)² + se(ε)²).</param>
/// <param name="Bias">b = 2(λ̂(ε) − λ̂(ε/2)), the estimated bias of λ̂(ε).</param>
/// <param name="BiasStandardError">2 √(se(ε)² + se(ε/2)²).</param>
/// <param name="Tolerance">The relative bias allowed (of |λ̂₀|) before the verdict leaves "Trustworthy".</param>
public sealed record StepSizeBiasEstimate(LlcResult AtStep, LlcResult AtHalfStep, double? Extrapolated, double? ExtrapolatedStandardError,
    double? Bias, double? BiasStandardError, double Tolerance)
{
    /// <summary>The step size ε of <see cref="AtStep"/>.</summary>
    public double StepSize => AtStep.Run.Settings.StepSize;

    /// <summary>The bias allowed: one standard error plus <see cref="Tolerance"/>·|λ̂₀|.</summary>
    public double? Allowed => BiasStandardError is double se && Extrapolated is double x ? se + Tolerance * Math.Abs(x) : null;

    /// <summary>True when both runs have a number and |b| is within <see cref="Allowed"/>.</summary>
    public bool WithinTolerance => Bias is double b && Allowed is double a && Math.Abs(b) <= a;

    /// <summary>(λ̂₀ − reference)/reference against the case's exact value, when known.</summary>
    public double? ExtrapolatedRelativeError
    {
        get
        {
            double? reference = AtStep.Truth?.FiniteT ?? AtStep.Truth?.Lambda;
            return Extrapolated is double x && reference is double r && r != 0 ? (x - r) / r : null;
        }
    }

    /// <summary>The bias check in plain words.</summary>
    public string Statement => Bias is not double b
        ? "No step-size bias estimate: a run diverged."
        : $"Step-size bias at ε = {StepSize:G3}: {b:G3} ± {BiasStandardError:G2} (λ̂ at ε/2 = {AtHalfStep.Mean:G4}; extrapolated to ε → 0: " +
          $"{Extrapolated:G4} ± {ExtrapolatedStandardError:G2}); allowed {Allowed:G3} (one se + {Tolerance:P0} of |λ̂₀|): " +
          (WithinTolerance ? "within tolerance." : "too large.");
}

/// <summary>Measures the step-size bias of an LLC estimate (<see cref="StepSizeBiasEstimate"/>).</summary>
public static class StepSizeBias
{
    /// <summary>The relative bias allowed by default: 5% of the extrapolated value.</summary>
    public const double DefaultTolerance = 0.05;

    /// <summary>A bias beyond one se plus this many times the tolerance is "Do not trust" (default 4: 20% at 5%).</summary>
    public const double UntrustworthyFactor = 4;

    /// <summary>Estimates at ε and at ε/2 (same chains, doubled burn-in and thinning, another seed), extrapolates, and adds
    /// the bias check to the verdict at ε: a bias beyond one se plus the tolerance is "Use with care", beyond one se plus
    /// <see cref="UntrustworthyFactor"/> times it "Do not trust".</summary>
    public static StepSizeBiasEstimate Estimate(ITemperedTarget target, SgldSettings settings, KnownTruth? truth = null,
        double tolerance = DefaultTolerance, IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        if (!(tolerance > 0) || !double.IsFinite(tolerance))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The bias tolerance must be a positive fraction, e.g. 0.05.");
        var atStep = LocalLearningCoefficient.Estimate(target, settings, truth, progress, cancellationToken: cancellationToken);
        var atHalf = LocalLearningCoefficient.Estimate(target, HalfStep(settings), truth, progress, cancellationToken: cancellationToken);
        return Combine(atStep, atHalf, tolerance);
    }

    /// <summary>The settings at ε/2 over the same Langevin time: doubled burn-in and thinning, another seed.</summary>
    public static SgldSettings HalfStep(SgldSettings settings) => settings with
    {
        StepSize = settings.StepSize / 2,
        BurnIn = 2 * settings.BurnIn,
        StepsBetweenDraws = 2 * settings.StepsBetweenDraws,
        Seed = settings.Seed + 104_729,
    };

    /// <summary>The extrapolation and bias check from two finished estimates at ε and ε/2.</summary>
    public static StepSizeBiasEstimate Combine(LlcResult atStep, LlcResult atHalfStep, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(atStep);
        ArgumentNullException.ThrowIfNull(atHalfStep);
        double ratio = atStep.Run.Settings.StepSize / atHalfStep.Run.Settings.StepSize;
        if (Math.Abs(ratio - 2) > 1e-9)
            throw new ArgumentException($"The second run must be at half the step: ε = {atStep.Run.Settings.StepSize:G3} and {atHalfStep.Run.Settings.StepSize:G3}.", nameof(atHalfStep));
        if (atStep.Mean is not double a || atHalfStep.Mean is not double h)
        {
            var divergent = atStep.Mean is null ? atStep : atStep with
            {
                Diagnostics = atStep.Diagnostics.With(Trust.Divergent, $"The run at ε/2 = {atHalfStep.Run.Settings.StepSize:G3} diverged: no step-size bias estimate."),
            };
            return new StepSizeBiasEstimate(divergent, atHalfStep, null, null, null, null, tolerance);
        }
        double seA = Finite(atStep.StandardError), seH = Finite(atHalfStep.StandardError);
        double extrapolated = 2 * h - a, extrapolatedSe = Math.Sqrt(4 * seH * seH + seA * seA);
        double bias = 2 * (a - h), biasSe = 2 * Math.Sqrt(seA * seA + seH * seH);
        var estimate = new StepSizeBiasEstimate(atStep, atHalfStep, extrapolated, extrapolatedSe, bias, biasSe, tolerance);
        double excess = Math.Abs(bias) - biasSe;
        var level = excess > UntrustworthyFactor * tolerance * Math.Abs(extrapolated) ? Trust.Untrustworthy
            : excess > tolerance * Math.Abs(extrapolated) ? Trust.Caution : Trust.Trustworthy;
        if (level == Trust.Trustworthy) return estimate;
        string reason = $"step-size bias {bias:G3} ± {biasSe:G2} at ε = {atStep.Run.Settings.StepSize:G3} " +
                        $"({bias / extrapolated:+0%;-0%} of the extrapolated {extrapolated:G4}) exceeds one se + {tolerance:P0}: use a smaller ε.";
        return estimate with { AtStep = atStep with { Diagnostics = atStep.Diagnostics.With(level, reason) } };
    }

    private static double Finite(double? se) => se is double v && double.IsFinite(v) ? v : 0;
}
