using Microsoft.Data.Analysis;
using Slt.Estimators;
using Slt.Presentation;
using Slt.Sampling;

namespace Slt.Diagnostics;

/// <summary>One setting of the sweep, what the sampler's diagnostics said about it, and its measured step-size bias.</summary>
/// <param name="StepSize">ε.</param>
/// <param name="NBeta">nβ.</param>
/// <param name="Localization">γ.</param>
/// <param name="Llc">λ̂; null when divergent.</param>
/// <param name="StandardError">Its standard error.</param>
/// <param name="RHat">Rank-normalized R̂ of the traces.</param>
/// <param name="MalaAcceptance">Mean MALA acceptance (reported, not used by the rule).</param>
/// <param name="Trust">The sampler's verdict.</param>
/// <param name="Bias">The bias of λ̂ at this ε, from the slope to the next smaller ε of the grid at the same (nβ, γ) (for the
/// smallest ε, from the slope to the next larger one): λ̂(ε) ≈ λ₀ + cε gives c = Δλ̂/Δε and bias cε. Null without a neighbour.</param>
/// <param name="BiasStandardError">Its standard error, ε/|Δε| · √(se² + se_neighbour²).</param>
/// <param name="BiasTolerance">The relative bias allowed (of |λ̂ − bias|).</param>
public sealed record CalibrationPoint(double StepSize, double NBeta, double Localization, double? Llc, double? StandardError,
    double RHat, double MalaAcceptance, Trust Trust, double? Bias = null, double? BiasStandardError = null,
    double BiasTolerance = StepSizeBias.DefaultTolerance)
{
    /// <summary>The bias allowed: one standard error plus the tolerance times |λ̂ − bias|.</summary>
    public double? AllowedBias => Llc is double l && Bias is double b && BiasStandardError is double se ? se + BiasTolerance * Math.Abs(l - b) : null;

    /// <summary>Usable: not divergent, R̂ below 1.05, and a measured step-size bias within <see cref="AllowedBias"/>.</summary>
    public bool Acceptable => Trust != Trust.Divergent && Llc is not null && RHat < 1.05 && Bias is double b && AllowedBias is double a && Math.Abs(b) <= a;
}

/// <summary>The sweep's grid and its recommendation.</summary>
/// <param name="Points">Every (ε, nβ, γ) tried.</param>
/// <param name="Recommended">The acceptable setting with the largest ε (fastest mixing) — ties broken by the smaller γ —
/// or null when none is acceptable.</param>
/// <param name="Advice">The recommendation in plain words.</param>
public sealed record CalibrationResult(IReadOnlyList<CalibrationPoint> Points, CalibrationPoint? Recommended, string Advice)
{
    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<double>("epsilon", Points.Select(p => p.StepSize)),
        new PrimitiveDataFrameColumn<double>("nbeta", Points.Select(p => p.NBeta)),
        new PrimitiveDataFrameColumn<double>("gamma", Points.Select(p => p.Localization)),
        new PrimitiveDataFrameColumn<double>("llc", Points.Select(p => p.Llc)),
        new PrimitiveDataFrameColumn<double>("bias", Points.Select(p => p.Bias)),
        new PrimitiveDataFrameColumn<double>("bias_se", Points.Select(p => p.BiasStandardError)),
        new PrimitiveDataFrameColumn<double>("rhat", Points.Select(p => p.RHat)),
        new PrimitiveDataFrameColumn<double>("mala_acceptance", Points.Select(p => p.MalaAcceptance)),
        new StringDataFrameColumn("trust", Points.Select(p => p.Trust.ToString())),
        new PrimitiveDataFrameColumn<bool>("acceptable", Points.Select(p => p.Acceptable)));

    /// <summary>For each γ, two heatmaps over the grid of (ε, nβ): λ̂ (the recommended setting starred, divergent cells
    /// empty and labelled) and the measured step-size bias relative to λ̂₀ = λ̂ − bias (cells kept by the rule ✓, others ✗;
    /// empty without a neighbour). The grid's values are the axes' only labels.</summary>
    public FigureGrid ToFigure()
    {
        var figures = new List<Figure>();
        var eps = Points.Select(p => p.StepSize).Distinct().OrderBy(e => e).ToArray();
        var nb = Points.Select(p => p.NBeta).Distinct().OrderBy(v => v).ToArray();
        foreach (var gamma in Points.Select(p => p.Localization).Distinct().OrderBy(g => g))
        {
            CalibrationPoint? At(double b, double e) => Points.FirstOrDefault(p => p.Localization == gamma && p.NBeta == b && p.StepSize == e);
            double[][] Grid(Func<CalibrationPoint, double> value) => nb.Select(b => eps.Select(e => At(b, e) is { } p ? value(p) : double.NaN).ToArray()).ToArray();
            string?[][] Notes(Func<CalibrationPoint, string?> note) => nb.Select(b => eps.Select(e => At(b, e) is { } p ? note(p) : null).ToArray()).ToArray();
            figures.Add(new Figure($"λ̂ (γ = {gamma:G3})",
                [new HeatmapTrace("λ̂", eps, nb, Grid(p => p.Llc ?? double.NaN), "λ̂",
                    Notes(p => p.Trust == Trust.Divergent ? "divergent" : p == Recommended ? "★ use" : null))],
                new Axis("step size ε", Log: true), new Axis("nβ", Log: true)));
            figures.Add(new Figure($"step-size bias / λ̂₀ (γ = {gamma:G3})",
                [new HeatmapTrace("bias", eps, nb, Grid(p => p.Llc is double l && p.Bias is double b && l - b != 0 ? b / Math.Abs(l - b) : double.NaN), "bias / λ̂₀",
                    Notes(p => p.Trust == Trust.Divergent ? "divergent" : p.Bias is null ? null : p.Acceptable ? "✓ kept" : "✗ rejected"))],
                new Axis("step size ε", Log: true), new Axis("nβ", Log: true)));
        }
        return Figure.Grid(2, figures.ToArray());
    }
}

/// <summary>
/// A calibration sweep: short SGLD runs over a grid of (ε, nβ, γ), each judged by the sampler diagnostics and by its
/// step-size bias measured across the grid's ε (the first-order bias cε, its slope c from neighbouring step sizes;
/// <see cref="StepSizeBias"/> measures it on one run), and the setting to use. The rule: keep settings that do not
/// diverge, whose chains agree (R̂ below 1.05) and whose measured bias is within one standard error plus the tolerance;
/// of those take the largest ε, which mixes fastest. The MALA acceptance is reported but does not decide: it does not see
/// a bias of 17% (w₁²w₂² at ε = 10⁻³, acceptance 0.97; docs/verdicts.md).
/// </summary>
public static class CalibrationSweep
{
    public static CalibrationResult Run(ITemperedTarget target, SgldSettings baseSettings, IReadOnlyList<double> stepSizes,
        IReadOnlyList<double> nBetas, IReadOnlyList<double> localizations, IProgress<string>? progress = null, CancellationToken token = default,
        double biasTolerance = StepSizeBias.DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(baseSettings);
        if (stepSizes.Count == 0 || nBetas.Count == 0 || localizations.Count == 0)
            throw new ArgumentException("The sweep needs at least one value of each of ε, nβ and γ.", nameof(stepSizes));
        var points = new List<CalibrationPoint>();
        foreach (var gamma in localizations)
            foreach (var nb in nBetas)
                foreach (var eps in stepSizes)
                {
                    token.ThrowIfCancellationRequested();
                    progress?.Report($"ε = {eps:G3}, nβ = {nb:G4}, γ = {gamma:G3}");
                    var r = LocalLearningCoefficient.Estimate(target, baseSettings with { StepSize = eps, NBeta = nb, Localization = gamma },
                        cancellationToken: token);
                    points.Add(new CalibrationPoint(eps, nb, gamma, r.Mean, r.StandardError, r.Diagnostics.RHat, r.Diagnostics.MalaAcceptance, r.Diagnostics.Trust));
                }
        points = WithBias(points, biasTolerance);
        var best = points.Where(p => p.Acceptable).OrderByDescending(p => p.StepSize).ThenBy(p => p.Localization).FirstOrDefault();
        string advice = best is null
            ? $"No setting passed (no divergence, R̂ < 1.05, a measured step-size bias within one se + {biasTolerance:P0}): try smaller ε, longer chains, or a finer ε grid."
            : $"Use ε = {best.StepSize:G3}, nβ = {best.NBeta:G4}, γ = {best.Localization:G3}: the largest step whose measured bias " +
              $"({best.Bias:G2} ± {best.BiasStandardError:G2}, allowed {best.AllowedBias:G2}) and R̂ ({best.RHat:F3}) pass; " +
              $"{points.Count(p => p.Trust == Trust.Divergent)} of {points.Count} settings diverged.";
        return new CalibrationResult(points, best, advice);
    }

    /// <summary>Each point with its step-size bias from the neighbouring ε at the same (nβ, γ).</summary>
    private static List<CalibrationPoint> WithBias(List<CalibrationPoint> points, double tolerance)
    {
        var result = new List<CalibrationPoint>();
        foreach (var p in points)
        {
            var row = points.Where(q => q.NBeta == p.NBeta && q.Localization == p.Localization && q.Llc is not null && q.StepSize != p.StepSize)
                .OrderBy(q => q.StepSize).ToList();
            var neighbour = row.LastOrDefault(q => q.StepSize < p.StepSize) ?? row.FirstOrDefault(q => q.StepSize > p.StepSize);
            if (p.Llc is not double l || neighbour?.Llc is not double ln)
            {
                result.Add(p with { BiasTolerance = tolerance });
                continue;
            }
            double slope = (l - ln) / (p.StepSize - neighbour.StepSize);
            double se = Math.Sqrt(Square(p.StandardError) + Square(neighbour.StandardError)) * p.StepSize / Math.Abs(p.StepSize - neighbour.StepSize);
            result.Add(p with { Bias = slope * p.StepSize, BiasStandardError = se, BiasTolerance = tolerance });
        }
        return result;
    }

    private static double Square(double? v) => v is double d && double.IsFinite(d) ? d * d : 0;
}
