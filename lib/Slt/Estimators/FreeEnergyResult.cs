using Microsoft.Data.Analysis;
using Slt.Presentation;

namespace Slt.Estimators;

/// <summary>One point of the thermodynamic-integration path: E^β[n L_n] at inverse temperature β.</summary>
/// <param name="Beta">β ∈ (0, 1].</param>
/// <param name="Energy">Mean over chains of E^β[n L_n].</param>
/// <param name="StandardError">Its standard error over chains.</param>
/// <param name="Diagnostics">The sampler's verdict at this β.</param>
public sealed record IntegrandPoint(double Beta, double Energy, double StandardError, string Diagnostics);

/// <summary>
/// Free energy F_n = −log ∫ φ(w) e^{−n L_n(w)} dw by thermodynamic integration, F_n = ∫₀¹ E^β[n L_n] dβ, with WBIC
/// (Watanabe 2013, JMLR 14: WBIC = E^{β}[n L_n], β = 1/log n) beside it and the exact value when known.
/// </summary>
/// <param name="SampleSize">n.</param>
/// <param name="ThermodynamicIntegration">F̂_n by thermodynamic integration; null when a point diverged.</param>
/// <param name="ThermodynamicIntegrationSe">Its standard error (Monte Carlo only; the quadrature error is not included).</param>
/// <param name="Wbic">WBIC estimate; null when divergent.</param>
/// <param name="WbicSe">Its standard error over chains.</param>
/// <param name="Exact">Exact F_n where quadrature gives it.</param>
/// <param name="ExactWbic">Exact WBIC where quadrature gives it.</param>
/// <param name="Path">The integrand along β.</param>
/// <param name="Verdict">Plain-language verdict.</param>
/// <param name="Trust">The verdict's level: the worst point of the path, "Do not trust" when the path breaks its bounds
/// (<see cref="Diagnostics.EstimateBounds.CheckFreeEnergyPath"/>), divergent when any point diverged.</param>
public sealed record FreeEnergyResult(long SampleSize, double? ThermodynamicIntegration, double? ThermodynamicIntegrationSe,
    double? Wbic, double? WbicSe, double? Exact, double? ExactWbic, IReadOnlyList<IntegrandPoint> Path, string Verdict, Diagnostics.Trust Trust)
{
    /// <summary>(F̂ − F) / F for thermodynamic integration, when both are known.</summary>
    public double? RelativeError => ThermodynamicIntegration is double f && Exact is double e && e != 0 ? (f - e) / Math.Abs(e) : null;

    /// <summary>One row per β of the path.</summary>
    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<double>("beta", Path.Select(p => p.Beta)),
        new PrimitiveDataFrameColumn<double>("energy", Path.Select(p => p.Energy)),
        new PrimitiveDataFrameColumn<double>("se", Path.Select(p => p.StandardError)),
        new StringDataFrameColumn("diagnostics", Path.Select(p => p.Diagnostics)));

    /// <summary>The integrand β·E^β[nL_n] against log β (its area is F_n minus the prior part below the grid).</summary>
    public Figure ToFigure()
    {
        var x = Path.Select(p => p.Beta).ToArray();
        var traces = new List<Trace>
        {
            new LineTrace("β · E^β[n L_n]", x, Path.Select(p => p.Beta * p.Energy).ToArray(),
                Path.Select(p => p.Beta * p.StandardError).ToArray(), Markers: true),
        };
        string title = $"Thermodynamic integration at n = {SampleSize}: F̂ = {ThermodynamicIntegration:F4}"
            + (Exact is double e ? $" (exact {e:F4})" : "") + (Wbic is double w ? $", WBIC = {w:F4}" : "");
        return new Figure(title, traces, new Axis("β", Log: true), new Axis("β · E^β[n L_n]  (integrand in d log β)"));
    }
}
