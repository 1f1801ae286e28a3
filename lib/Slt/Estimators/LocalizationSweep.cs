using Microsoft.Data.Analysis;
using Slt.Presentation;
using Slt.Sampling;

namespace Slt.Estimators;

/// <summary>One point of a localization sweep: λ̂ at (γ, nβ) with the step size used there.</summary>
public sealed record LocalizationPoint(double Gamma, double NBeta, double StepSize, LlcResult Result);

/// <summary>Whether halving γ moved λ̂ by more than its noise plus 10%: |λ̂(γ/2) − λ̂(γ)| ≤ √(se₁² + se₂²) + 0.1 λ̂(γ).</summary>
public sealed record GammaHalving(double NBeta, double Gamma, double Change, double Allowed)
{
    /// <summary>True when the change is within the allowance (λ̂ is a property of the loss there, not of γ).</summary>
    public bool Stable => Math.Abs(Change) <= Allowed;
}

/// <summary>
/// λ̂ over a grid of localization strengths γ and inverse temperatures nβ on one target: the study that says whether an
/// LLC is a property of the loss (λ̂ insensitive to γ) or of the localization. Each point is a full
/// <see cref="LocalLearningCoefficient"/> estimate with its verdict; the step size is scaled as ε·nβ = const from the
/// base settings, so the stiffest directions of nβL see the same discretization at every nβ.
/// </summary>
public sealed record LocalizationSweep(IReadOnlyList<LocalizationPoint> Points)
{
    /// <summary>Runs the grid (every γ at every nβ; nβ null: the settings' own).</summary>
    /// <exception cref="ArgumentException">No γ, or a γ or nβ that is not positive and finite.</exception>
    public static LocalizationSweep Run(ITemperedTarget target, SgldSettings settings, IReadOnlyList<double> gammas,
        IReadOnlyList<double>? nBetas = null, IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(gammas);
        if (gammas.Count == 0) throw new ArgumentException("Give at least one γ.", nameof(gammas));
        if (gammas.Any(g => !(g > 0) || !double.IsFinite(g))) throw new ArgumentException("Every γ must be positive and finite.", nameof(gammas));
        if (nBetas is not null && nBetas.Any(b => !(b > 0) || !double.IsFinite(b))) throw new ArgumentException("Every nβ must be positive and finite.", nameof(nBetas));
        double baseNBeta = settings.ResolveNBeta(target.SampleSize);
        var points = new List<LocalizationPoint>();
        foreach (double nBeta in nBetas ?? [baseNBeta])
            foreach (double gamma in gammas.OrderByDescending(g => g))
            {
                var s = settings with { NBeta = nBeta, Localization = gamma, StepSize = settings.StepSize * baseNBeta / nBeta };
                var result = LocalLearningCoefficient.Estimate(target, s, progress: progress, cancellationToken: cancellationToken);
                points.Add(new LocalizationPoint(gamma, nBeta, s.StepSize, result));
            }
        return new LocalizationSweep(points);
    }

    /// <summary>Every γ → γ/2 pair in the grid (same nβ) and whether λ̂ stayed within its noise plus 10%.</summary>
    public IReadOnlyList<GammaHalving> Halvings()
    {
        var list = new List<GammaHalving>();
        foreach (var group in Points.GroupBy(p => p.NBeta))
            foreach (var p in group)
                if (group.FirstOrDefault(q => Math.Abs(q.Gamma - p.Gamma / 2) < 1e-9 * p.Gamma) is { } half
                    && p.Result.Mean is double a && half.Result.Mean is double b)
                {
                    double se = Math.Sqrt(Math.Pow(p.Result.StandardError ?? 0, 2) + Math.Pow(half.Result.StandardError ?? 0, 2));
                    list.Add(new GammaHalving(p.NBeta, p.Gamma, b - a, se + 0.1 * Math.Abs(a)));
                }
        return list;
    }

    /// <summary>γ, nβ, ε, λ̂, se, R̂, bulk-ESS, MALA acceptance, trust, seconds.</summary>
    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<double>("gamma", Points.Select(p => p.Gamma)),
        new PrimitiveDataFrameColumn<double>("nbeta", Points.Select(p => p.NBeta)),
        new PrimitiveDataFrameColumn<double>("epsilon", Points.Select(p => p.StepSize)),
        new PrimitiveDataFrameColumn<double>("llc", Points.Select(p => p.Result.Mean)),
        new PrimitiveDataFrameColumn<double>("llc_se", Points.Select(p => p.Result.StandardError)),
        new PrimitiveDataFrameColumn<double>("rhat", Points.Select(p => p.Result.Diagnostics.RHat)),
        new PrimitiveDataFrameColumn<double>("ess", Points.Select(p => p.Result.Diagnostics.Ess)),
        new PrimitiveDataFrameColumn<double>("mala_acceptance", Points.Select(p => p.Result.Diagnostics.MalaAcceptance)),
        new StringDataFrameColumn("trust", Points.Select(p => p.Result.Diagnostics.Trust.ToString())),
        new PrimitiveDataFrameColumn<double>("seconds", Points.Select(p => p.Result.Run.Seconds)));

    /// <summary>λ̂ against γ as in <see cref="ToFigure(string?)"/>, with the quadratic prediction ½ Σ nβh/(nβh + γ) of
    /// <paramref name="spectrum"/> as a dashed line per nβ over the swept range (left out where it does not exist).</summary>
    public Figure ToFigure(HessianSpectrum spectrum, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        var measured = ToFigure(title ?? "λ̂ against γ, and what the Hessian's curvatures predict");
        double low = Points.Min(p => p.Gamma), high = Points.Max(p => p.Gamma);
        var grid = Enumerable.Range(0, 25).Select(i => low * Math.Pow(high / low, i / 24.0)).ToArray();
        var predicted = Points.Select(p => p.NBeta).Distinct().Select(nBeta =>
        {
            var q = grid.Select(g => spectrum.QuadraticLlc(nBeta, g)).Where(q => q.Exists).ToArray();
            return (Trace)new LineTrace($"quadratic, nβ = {nBeta:G4}", q.Select(x => x.Gamma).ToArray(), q.Select(x => x.Mean).ToArray(), Dashed: true);
        });
        return measured with { Traces = measured.Traces.Select(t => t with { Name = $"SGLD, {t.Name}" }).Concat(predicted).ToArray() };
    }

    /// <summary>λ̂ against γ (log axis), one line per nβ, with standard errors.</summary>
    public Figure ToFigure(string? title = null) => new(
        title ?? "λ̂ against the localization γ",
        Points.GroupBy(p => p.NBeta).Select(g =>
        {
            var ordered = g.OrderBy(p => p.Gamma).ToArray();
            return (Trace)new LineTrace($"nβ = {g.Key:G4}", ordered.Select(p => p.Gamma).ToArray(),
                ordered.Select(p => p.Result.Mean ?? double.NaN).ToArray(), ordered.Select(p => p.Result.StandardError ?? double.NaN).ToArray(), Markers: true);
        }).ToArray(),
        new Axis("localization γ", Log: true),
        new Axis("λ̂"));
}
