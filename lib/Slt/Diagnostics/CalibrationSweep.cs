using Microsoft.Data.Analysis;
using Slt.Estimators;
using Slt.Presentation;
using Slt.Sampling;

namespace Slt.Diagnostics;

/// <summary>One setting of the sweep and what the sampler's diagnostics said about it.</summary>
public sealed record CalibrationPoint(double StepSize, double NBeta, double Localization, double? Llc, double? StandardError,
    double RHat, double MalaAcceptance, Trust Trust)
{
    /// <summary>Usable: not divergent, MALA acceptance ≥ 0.9, split-R̂ ≤ 1.05.</summary>
    public bool Acceptable => Trust != Trust.Divergent && Llc is not null && MalaAcceptance >= 0.9 && RHat <= 1.05;
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
        new PrimitiveDataFrameColumn<double>("rhat", Points.Select(p => p.RHat)),
        new PrimitiveDataFrameColumn<double>("mala_acceptance", Points.Select(p => p.MalaAcceptance)),
        new StringDataFrameColumn("trust", Points.Select(p => p.Trust.ToString())),
        new PrimitiveDataFrameColumn<bool>("acceptable", Points.Select(p => p.Acceptable)));

    /// <summary>For each γ: a heatmap of λ̂ over (log ε, nβ) and one of the MALA acceptance (empty cells: divergent).</summary>
    public FigureGrid ToFigure()
    {
        var figures = new List<Figure>();
        foreach (var gamma in Points.Select(p => p.Localization).Distinct().OrderBy(g => g))
        {
            var eps = Points.Select(p => p.StepSize).Distinct().OrderBy(e => e).ToArray();
            var nb = Points.Select(p => p.NBeta).Distinct().OrderBy(v => v).ToArray();
            double[][] Grid(Func<CalibrationPoint, double> value) => nb.Select(b => eps.Select(e =>
                Points.FirstOrDefault(p => p.Localization == gamma && p.NBeta == b && p.StepSize == e) is { } p ? value(p) : double.NaN).ToArray()).ToArray();
            var x = eps.Select(Math.Log10).ToArray();
            figures.Add(new Figure($"λ̂ (γ = {gamma:G3})", [new HeatmapTrace("λ̂", x, nb, Grid(p => p.Llc ?? double.NaN), "λ̂")],
                new Axis("log₁₀ ε"), new Axis("nβ")));
            figures.Add(new Figure($"MALA acceptance (γ = {gamma:G3})", [new HeatmapTrace("MALA", x, nb, Grid(p => p.MalaAcceptance), "acceptance")],
                new Axis("log₁₀ ε"), new Axis("nβ")));
        }
        return Figure.Grid(2, figures.ToArray());
    }
}

/// <summary>
/// A calibration sweep: short SGLD runs over a grid of (ε, nβ, γ), each judged by the sampler diagnostics, and the
/// setting to use. The rule: keep settings that do not diverge, whose MALA acceptance is ≥ 0.9 (small discretization
/// bias) and whose chains agree (split-R̂ ≤ 1.05); of those take the largest ε, which mixes fastest.
/// </summary>
public static class CalibrationSweep
{
    public static CalibrationResult Run(ITemperedTarget target, SgldSettings baseSettings, IReadOnlyList<double> stepSizes,
        IReadOnlyList<double> nBetas, IReadOnlyList<double> localizations, IProgress<string>? progress = null, CancellationToken token = default)
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
        var best = points.Where(p => p.Acceptable).OrderByDescending(p => p.StepSize).ThenBy(p => p.Localization).FirstOrDefault();
        string advice = best is null
            ? "No setting passed (MALA ≥ 0.9, R̂ ≤ 1.05, no divergence): try smaller ε, longer chains, or stronger localization."
            : $"Use ε = {best.StepSize:G3}, nβ = {best.NBeta:G4}, γ = {best.Localization:G3}: the largest step whose MALA acceptance " +
              $"({best.MalaAcceptance:F2}) and split-R̂ ({best.RHat:F3}) pass; {points.Count(p => p.Trust == Trust.Divergent)} of {points.Count} settings diverged.";
        return new CalibrationResult(points, best, advice);
    }
}
