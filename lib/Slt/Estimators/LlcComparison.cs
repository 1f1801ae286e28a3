using Microsoft.Data.Analysis;
using Slt.Presentation;

namespace Slt.Estimators;

/// <summary>
/// Several LLC estimates side by side against their known λ: the raw λ̂, the singular fluctuation ν̂ and the
/// fluctuation-corrected λ̂ + βν̂ (<see cref="FluctuationCorrection"/>), as a table and as grouped bars.
/// </summary>
public static class LlcComparison
{
    /// <summary>One row per case: λ̂ ± se, ν̂, λ̂ + βν̂ ± se, λ, both relative errors, and the verdict.</summary>
    public static DataFrame ToDataFrame(params (string Case, LlcResult Result)[] cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        return new DataFrame(
            new StringDataFrameColumn("case", cases.Select(c => c.Case)),
            new PrimitiveDataFrameColumn<double>("λ̂", cases.Select(c => c.Result.Mean)),
            new PrimitiveDataFrameColumn<double>("se", cases.Select(c => c.Result.StandardError)),
            new PrimitiveDataFrameColumn<double>("ν̂", cases.Select(c => c.Result.Correction?.MeanSingularFluctuation)),
            new PrimitiveDataFrameColumn<double>("λ̂ + βν̂", cases.Select(c => c.Result.Correction?.Mean)),
            new PrimitiveDataFrameColumn<double>("se (corrected)", cases.Select(c => c.Result.Correction?.StandardError)),
            new PrimitiveDataFrameColumn<double>("λ", cases.Select(c => c.Result.Truth?.Lambda)),
            new PrimitiveDataFrameColumn<double>("error of λ̂", cases.Select(c => c.Result.Truth?.Lambda is double l && c.Result.Mean is double m ? (m - l) / l : (double?)null)),
            new PrimitiveDataFrameColumn<double>("error of λ̂ + βν̂", cases.Select(c => c.Result.CorrectedRelativeError)),
            new StringDataFrameColumn("verdict", cases.Select(c => c.Result.Diagnostics.Trust.ToString())));
    }

    /// <summary>Grouped bars per case: λ (exact), λ̂ and λ̂ + βν̂ with their standard errors. Cases without a
    /// corrected estimate or a known λ are left out.</summary>
    /// <exception cref="ArgumentException">No case has all three.</exception>
    public static Figure ToFigure(params (string Case, LlcResult Result)[] cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        cases = cases.Where(c => c.Result.Mean is not null && c.Result.Correction is not null && c.Result.Truth?.Lambda is not null).ToArray();
        if (cases.Length == 0) throw new ArgumentException("No case has a raw estimate, a fluctuation-corrected estimate and a known λ to draw.", nameof(cases));
        var names = cases.Select(c => c.Case).ToArray();
        double Or(double? v) => v is double x && double.IsFinite(x) ? x : 0;
        return new Figure("λ̂ on a sample, raw and fluctuation-corrected, against the exact λ",
        [
            new BarTrace("λ (exact)", names, cases.Select(c => Or(c.Result.Truth?.Lambda)).ToArray()),
            new BarTrace("λ̂ (raw)", names, cases.Select(c => Or(c.Result.Mean)).ToArray(), cases.Select(c => Or(c.Result.StandardError)).ToArray()),
            new BarTrace("λ̂ + βν̂", names, cases.Select(c => Or(c.Result.Correction?.Mean)).ToArray(),
                cases.Select(c => Or(c.Result.Correction?.StandardError)).ToArray()),
        ], new Axis("network"), new Axis("learning coefficient"));
    }
}
