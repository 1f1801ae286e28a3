using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Slt.Diagnostics;
using Slt.Estimators;

namespace Slt.Contexts;

/// <summary>
/// Both learning coefficients of a <see cref="ProductComposite"/>, estimated on the same data: the mother at w*, the daughter
/// at D* = F(w*), each with its diagnostics, beside the exact values.
/// </summary>
/// <remarks>
/// λ̂ is the fluctuation-corrected λ̂ + βν̂ where the result carries it (on a sample; both w* are true parameters, so
/// the raw λ̂ is biased low by βν, docs/ground-truth.md §5), else the raw λ̂ (the population loss). Both are reported.
/// </remarks>
/// <param name="Composite">The shape, rank, n and seed.</param>
/// <param name="Mother">The mother's estimate (the deep linear network at w*).</param>
/// <param name="Daughter">The daughter's estimate (one matrix at D* = F(w*)).</param>
public sealed record ProductCompositeEstimate(ProductComposite Composite, LlcResult Mother, LlcResult Daughter)
{
    /// <summary>λ̂_mother: corrected where available, else raw; null when the run diverged.</summary>
    public double? MotherHat => Hat(Mother);

    /// <summary>The standard error of <see cref="MotherHat"/>.</summary>
    public double? MotherStandardError => HatStandardError(Mother);

    /// <summary>λ̂_daughter: corrected where available, else raw; null when the run diverged.</summary>
    public double? DaughterHat => Hat(Daughter);

    /// <summary>The standard error of <see cref="DaughterHat"/>.</summary>
    public double? DaughterStandardError => HatStandardError(Daughter);

    /// <summary>λ̂_daughter − λ̂_mother; null when either run diverged.</summary>
    public double? GapHat => MotherHat is double m && DaughterHat is double d ? d - m : null;

    /// <summary>The standard error of <see cref="GapHat"/> (independent chains: the two errors in quadrature).</summary>
    public double? GapStandardError => MotherStandardError is double m && DaughterStandardError is double d ? Math.Sqrt(m * m + d * d) : null;

    /// <summary>The worse of the two verdicts.</summary>
    public Trust Trust => (Trust)Math.Max((int)Mother.Diagnostics.Trust, (int)Daughter.Diagnostics.Trust);

    /// <summary>Whether both runs gave a number.</summary>
    public bool HasNumbers => MotherHat is not null && DaughterHat is not null;

    /// <summary>Whether λ̂ is the fluctuation-corrected value (on a sample) rather than the raw one.</summary>
    public bool Corrected => Mother.Correction is not null && Daughter.Correction is not null;

    /// <summary>One row: widths, r, n, nβ, d and λ (m) of both, λ̂ ± se of both, raw λ̂ of both, the gap, both verdicts.</summary>
    public DataFrame ToDataFrame() => ToDataFrame([this]);

    /// <summary>One row per estimate.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<ProductCompositeEstimate> estimates)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        PrimitiveDataFrameColumn<double> Column(string name, Func<ProductCompositeEstimate, double?> value) => new(name, estimates.Select(value));
        return new DataFrame(
            new StringDataFrameColumn("widths", estimates.Select(e => $"[{string.Join(",", e.Composite.Widths)}]")),
            new PrimitiveDataFrameColumn<int>("r", estimates.Select(e => e.Composite.Rank)),
            new PrimitiveDataFrameColumn<long>("n", estimates.Select(e => e.Composite.SampleSize)),
            Column("nβ", e => e.Mother.NBeta),
            new PrimitiveDataFrameColumn<int>("d mother", estimates.Select(e => e.Composite.MotherDimension)),
            Column("λ mother", e => e.Composite.Mother.Lambda),
            new PrimitiveDataFrameColumn<int>("m mother", estimates.Select(e => e.Composite.Mother.Multiplicity)),
            Column("λ̂ mother", e => e.MotherHat),
            Column("se mother", e => e.MotherStandardError),
            Column("raw λ̂ mother", e => e.Mother.Mean),
            new StringDataFrameColumn("verdict mother", estimates.Select(e => e.Mother.Diagnostics.Trust.ToString())),
            new PrimitiveDataFrameColumn<int>("d daughter", estimates.Select(e => e.Composite.DaughterDimension)),
            Column("λ daughter", e => e.Composite.Daughter.Lambda),
            Column("λ̂ daughter", e => e.DaughterHat),
            Column("se daughter", e => e.DaughterStandardError),
            Column("raw λ̂ daughter", e => e.Daughter.Mean),
            new StringDataFrameColumn("verdict daughter", estimates.Select(e => e.Daughter.Diagnostics.Trust.ToString())),
            Column("λ gap", e => e.Composite.Gap),
            Column("λ̂ gap", e => e.GapHat),
            Column("se gap", e => e.GapStandardError));
    }

    /// <summary>
    /// The JSON of <c>slt contexts composite --json</c>: lambda_mother_exact, lambda_mother_hat, lambda_mother_se,
    /// multiplicity_mother, lambda_daughter_exact, lambda_daughter_hat, lambda_daughter_se, multiplicity_daughter, the gap,
    /// trust_mother / verdict_mother and trust_daughter / verdict_daughter, trust (the worse), the shape, and each run's full
    /// report (<see cref="EstimateReport.ToJson(LlcResult)"/>) under "mother" and "daughter". Null, never NaN, where there
    /// is no number.
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["widths"] = new JsonArray(Composite.Widths.Select(h => (JsonNode?)JsonValue.Create(h)).ToArray()),
        ["rank"] = Composite.Rank,
        ["n"] = Composite.SampleSize,
        ["seed"] = Composite.Seed,
        ["loss"] = Composite.Source.ToString().ToLowerInvariant(),
        ["d_mother"] = Composite.MotherDimension,
        ["d_daughter"] = Composite.DaughterDimension,
        ["lambda_mother_exact"] = Composite.Mother.Lambda,
        ["multiplicity_mother"] = Composite.Mother.Multiplicity,
        ["lambda_mother_hat"] = Number(MotherHat),
        ["lambda_mother_se"] = Number(MotherStandardError),
        ["lambda_mother_raw"] = Number(Mother.Mean),
        ["lambda_mother_raw_se"] = Number(Mother.StandardError),
        ["lambda_daughter_exact"] = Composite.Daughter.Lambda,
        ["multiplicity_daughter"] = Composite.Daughter.Multiplicity,
        ["lambda_daughter_hat"] = Number(DaughterHat),
        ["lambda_daughter_se"] = Number(DaughterStandardError),
        ["lambda_daughter_raw"] = Number(Daughter.Mean),
        ["lambda_daughter_raw_se"] = Number(Daughter.StandardError),
        ["hat_is_fluctuation_corrected"] = Corrected,
        ["gap_exact"] = Composite.Gap,
        ["gap_hat"] = Number(GapHat),
        ["gap_se"] = Number(GapStandardError),
        ["trust_mother"] = Mother.Diagnostics.Trust.ToString(),
        ["verdict_mother"] = Mother.Diagnostics.Verdict,
        ["trust_daughter"] = Daughter.Diagnostics.Trust.ToString(),
        ["verdict_daughter"] = Daughter.Diagnostics.Verdict,
        ["trust"] = Trust.ToString(),
        ["mother"] = EstimateReport.ToJson(Mother),
        ["daughter"] = EstimateReport.ToJson(Daughter),
    };

    private static double? Hat(LlcResult r) => r.Mean is null ? null : r.Correction?.Mean ?? r.Mean;

    private static double? HatStandardError(LlcResult r) => r.Mean is null ? null : r.Correction?.StandardError ?? r.StandardError;

    private static JsonNode? Number(double? v) => v is double d && double.IsFinite(d) ? JsonValue.Create(d) : null;
}
