using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Slt.Diagnostics;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Presentation;
using Slt.Sampling;

namespace Slt.Additivity;

/// <summary>
/// Does the learning coefficient of K = K₁ + K₂ + … add over the parts? The whole and each part (a potential in its own
/// variables) are taken exactly (log Z_n, F_n, E_t[tK], λ and m where known) and by SGLD (λ̂ ± se with its verdict), and the
/// gaps whole − Σ parts are judged (docs/additivity.md §1).
/// </summary>
/// <remarks>
/// <para>Disjoint variables, K(u, v) = K₁(u) + K₂(v) with the uniform prior a product: Z(t) = Z₁(t) Z₂(t) at every t, so
/// F = F₁ + F₂ and E_t[tK] = −d log Z/d log t add exactly, and so do λ, with m = m₁ + m₂ − 1.</para>
/// <para>Shared variables: K ≥ K_p gives Z ≤ Z_p, and every e^{−tK_p} decreases in each |w_i|, so by Harris' inequality for
/// product measures Z ≥ Π Z_p. Hence at every t, max_p F_p ≤ F ≤ Σ_p F_p, and asymptotically max_p λ_p ≤ λ ≤ Σ_p λ_p;
/// the gap F − Σ F_p ≤ 0 is the interference.</para>
/// <para>The estimated gap g = λ̂ − Σ λ̂_p of independent runs has se_g = √(se² + Σ se_p²). Each λ̂ carries besides its se a
/// systematic step-size bias up to δ = <see cref="PotentialAdditivitySettings.RelativeSlack"/> of itself; in the worst
/// case these add, so the verdict is "Additive" when |g| ≤ z se_g + δ (|λ̂| + Σ |λ̂_p|) (z =
/// <see cref="PotentialAdditivitySettings.StandardErrors"/>, default 2: about 95% of additive cases pass on noise alone;
/// δ = 5% makes the slack about 10% of Σ λ̂_p), and "Interference" otherwise. The finite-t shortfall of λ̂ below λ needs
/// no slack: E_t[tK] itself adds exactly for disjoint parts.</para>
/// </remarks>
/// <param name="Partition">The whole and its parts.</param>
/// <param name="Settings">n, nβ, the sampler schedule and the verdict's rule.</param>
/// <param name="Whole">The whole potential.</param>
/// <param name="Parts">The parts, in the order of the partition.</param>
public sealed record PotentialAdditivity(PotentialPartition Partition, PotentialAdditivitySettings Settings, AdditivityPiece Whole, IReadOnlyList<AdditivityPiece> Parts)
{
    /// <summary>|F − Σ F_p| below this counts as zero (the quadrature is accurate to about 10⁻⁸ per block).</summary>
    public const double ExactTolerance = 1e-6;

    /// <summary>Exact values only (no sampling): quadrature and the rules for λ and m.</summary>
    public static PotentialAdditivity Exact(PotentialPartition partition, PotentialAdditivitySettings? settings = null) =>
        Build(partition, settings ?? new PotentialAdditivitySettings(), sample: false, null, default);

    /// <summary>Exact values and one SGLD run per piece (the whole first, then the parts).</summary>
    /// <param name="partition">The whole and its parts.</param>
    /// <param name="settings">Default: n = 1000, nβ = n, 64 chains, the validated schedule per piece.</param>
    /// <param name="progress">Told the name of each piece as it starts.</param>
    /// <param name="cancellationToken">Stops sampling.</param>
    public static PotentialAdditivity Estimate(PotentialPartition partition, PotentialAdditivitySettings? settings = null,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        Build(partition, settings ?? new PotentialAdditivitySettings(), sample: true, progress, cancellationToken);

    /// <summary>The SGLD settings piece <paramref name="index"/> (0 the whole) samples with: the validated schedule of
    /// <see cref="GroundTruthCases.PotentialSettings"/> at t = nβ (ε, burn-in, spacing), overridden where the settings say.</summary>
    public static SgldSettings SamplerFor(NormalCrossingPotential potential, PotentialAdditivitySettings settings, int index)
    {
        ArgumentNullException.ThrowIfNull(potential);
        ArgumentNullException.ThrowIfNull(settings);
        var s = GroundTruthCases.PotentialSettings(potential, settings.SamplingTemperature, settings.Chains, settings.PieceSeed(index));
        return s with
        {
            BurnIn = settings.BurnIn ?? s.BurnIn,
            Draws = settings.Draws ?? s.Draws,
            StepsBetweenDraws = settings.StepsBetweenDraws ?? s.StepsBetweenDraws,
        };
    }

    private static PotentialAdditivity Build(PotentialPartition partition, PotentialAdditivitySettings settings, bool sample,
        IProgress<string>? progress, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(settings);
        var whole = partition.Whole;
        var wholePiece = Piece("whole", partition.WholeFormula, Enumerable.Range(0, whole.Exponents.Count).ToArray(),
            whole.VariableNames, whole, settings, sample ? 0 : null, progress, token);
        var parts = partition.Parts.Select((terms, p) => Piece($"part {p + 1}", partition.Formula(p), terms,
            partition.Variables[p].Select(i => whole.VariableNames[i]).ToArray(), partition.Potentials[p], settings, sample ? p + 1 : null, progress, token)).ToArray();
        return new PotentialAdditivity(partition, settings, wholePiece, parts);
    }

    private static AdditivityPiece Piece(string name, string formula, int[] terms, IReadOnlyList<string> variables, NormalCrossingPotential potential,
        PotentialAdditivitySettings settings, int? sampleIndex, IProgress<string>? progress, CancellationToken token)
    {
        bool quadrature = potential.DisjointBlocks().All(b => b.Variables.Length <= 2);
        var evidence = quadrature ? PotentialQuadrature.At(potential, settings.SampleSize) : null;
        var sampled = !quadrature ? null : settings.SamplingTemperature == settings.SampleSize ? evidence : PotentialQuadrature.At(potential, settings.SamplingTemperature);
        var coefficient = PotentialLearningCoefficient.Of(potential);
        LlcResult? estimate = null;
        if (sampleIndex is int index)
        {
            token.ThrowIfCancellationRequested();
            progress?.Report($"{name}: {formula}");
            var truth = new KnownTruth(coefficient?.Lambda, coefficient?.Multiplicity, sampled?.ExpectedTK);
            estimate = LocalLearningCoefficient.Estimate(new PotentialTarget(potential), SamplerFor(potential, settings, index), truth, cancellationToken: token);
        }
        return new AdditivityPiece(name, formula, terms, variables, potential, evidence, sampled, coefficient, estimate);
    }

    /// <summary>The whole, then the parts.</summary>
    public IEnumerable<AdditivityPiece> Pieces => Parts.Prepend(Whole);

    /// <summary>Whether the parts use disjoint variables (then everything adds exactly).</summary>
    public bool Disjoint => Partition.Disjoint;

    /// <summary>Exact log Z_n(whole) − Σ log Z_n(parts); null without quadrature.</summary>
    public double? LogEvidenceGap => Gap(p => p.LogEvidence);

    /// <summary>Exact F_n(whole) − Σ F_n(parts): 0 for disjoint parts, ≤ 0 otherwise (Harris); null without quadrature.</summary>
    public double? FreeEnergyGap => Gap(p => p.FreeEnergy);

    /// <summary>Exact E_t[tK](whole) − Σ E_t[tK](parts) at t = nβ; null without quadrature.</summary>
    public double? ExpectedTKGap => Gap(p => p.ExpectedTK);

    /// <summary>λ(whole) − Σ λ(parts); null where any λ is unknown.</summary>
    public double? LambdaGap => Gap(p => p.Coefficient?.Lambda);

    /// <summary>m(whole) − (Σ m(parts) − (#parts − 1)): 0 when multiplicities combine as for disjoint sums; null where unknown.</summary>
    public int? MultiplicityGap => Whole.Coefficient is { } w && Parts.All(p => p.Coefficient is not null)
        ? w.Multiplicity - (Parts.Sum(p => p.Coefficient!.Multiplicity) - (Parts.Count - 1)) : null;

    /// <summary>λ̂(whole) − Σ λ̂(parts); null when a run diverged or nothing was sampled.</summary>
    public double? LambdaHatGap => Gap(p => p.LambdaHat);

    /// <summary>The standard error of <see cref="LambdaHatGap"/>: the runs are independent, so √(se² + Σ se_p²).</summary>
    public double? LambdaHatGapStandardError =>
        Pieces.All(p => p.LambdaHatStandardError is double s && double.IsFinite(s)) ? Math.Sqrt(Pieces.Sum(p => p.LambdaHatStandardError!.Value * p.LambdaHatStandardError.Value)) : null;

    /// <summary>What |λ̂ gap| may be and still count as additive: z se_gap + δ (|λ̂| + Σ |λ̂_p|).</summary>
    public double? AllowedGap => LambdaHatGapStandardError is double se && Pieces.All(p => p.LambdaHat is not null)
        ? Settings.StandardErrors * se + Settings.RelativeSlack * Pieces.Sum(p => Math.Abs(p.LambdaHat!.Value)) : null;

    /// <summary>The estimated gap within <see cref="AllowedGap"/>; null when there is no estimate.</summary>
    public bool? EstimatedAdditive => LambdaHatGap is double g && AllowedGap is double a ? Math.Abs(g) <= a : null;

    /// <summary>The exact free-energy gap is zero (within <see cref="ExactTolerance"/>); null without quadrature.</summary>
    public bool? ExactAdditive => FreeEnergyGap is double g ? Math.Abs(g) <= ExactTolerance : null;

    /// <summary>max_p F_p ≤ F ≤ Σ_p F_p on the exact values (within <see cref="ExactTolerance"/>); null without quadrature.</summary>
    public bool? FreeEnergyBoundsHold => Whole.FreeEnergy is double f && Parts.All(p => p.FreeEnergy is not null)
        ? Parts.Max(p => p.FreeEnergy!.Value) <= f + ExactTolerance && f <= Parts.Sum(p => p.FreeEnergy!.Value) + ExactTolerance : null;

    /// <summary>max_p λ_p ≤ λ ≤ Σ_p λ_p on the exact λ; null where any λ is unknown.</summary>
    public bool? LambdaBoundsHold => Whole.Coefficient is { } w && Parts.All(p => p.Coefficient is not null)
        ? Parts.Max(p => p.Coefficient!.Lambda) <= w.Lambda + 1e-12 && w.Lambda <= Parts.Sum(p => p.Coefficient!.Lambda) + 1e-12 : null;

    /// <summary>The worst verdict of the runs (Trustworthy when nothing was sampled).</summary>
    public Trust Trust => (Trust)Pieces.Max(p => p.Estimate is { } e ? (int)e.Diagnostics.Trust : (int)Trust.Trustworthy);

    /// <summary>Whether every piece was sampled and gave a number.</summary>
    public bool HasNumbers => Pieces.All(p => p.LambdaHat is not null);

    /// <summary>"Additive (exact): …", "Interference (exact): …" or "Unknown: …", on the exact free energies.</summary>
    public string ExactVerdict => FreeEnergyGap is not double g
        ? "Unknown: no quadrature for a block of more than two shared variables."
        : ExactAdditive == true
            ? Invariant($"Additive (exact): F_n(whole) − Σ F_n(parts) = {g:G3} at n = {Settings.SampleSize:G}; the parts use disjoint variables, so Z = Π Z_p.")
            : Invariant($"Interference (exact): F_n(whole) − Σ F_n(parts) = {g:F4} at n = {Settings.SampleSize:G}{(Disjoint ? "" : "; the parts share variables")}.");

    /// <summary>"Additive: …", "Interference: …" or "No estimate: …", on λ̂ (see the remarks for the rule).</summary>
    public string EstimatedVerdict
    {
        get
        {
            if (Pieces.Any(p => p.Estimate is null)) return "No estimate: nothing was sampled.";
            if (LambdaHatGap is not double g || AllowedGap is not double a)
                return "No estimate: a run diverged: " + string.Join(", ", Pieces.Where(p => p.LambdaHat is null).Select(p => p.Name)) + ".";
            string rule = Invariant($"{Settings.StandardErrors:G} se + {Settings.RelativeSlack:P0} of each λ̂ = {a:F4}");
            return Math.Abs(g) <= a
                ? Invariant($"Additive: λ̂(whole) − Σ λ̂(parts) = {g:F4} ± {LambdaHatGapStandardError:F4}, within {rule}.")
                : Invariant($"Interference: λ̂(whole) − Σ λ̂(parts) = {g:F4} ± {LambdaHatGapStandardError:F4}, beyond {rule}.");
        }
    }

    /// <summary>One row per piece (the whole first): piece, K, terms, variables, d, log Z_n, F_n, E_t[tK], λ, m, λ̂ with se,
    /// relative error of λ̂ against E_t[tK], the run's verdict. Unknown values are empty.</summary>
    public DataFrame ToDataFrame()
    {
        var pieces = Pieces.ToArray();
        PrimitiveDataFrameColumn<double> Column(string name, Func<AdditivityPiece, double?> value) => new(name, pieces.Select(value));
        return new DataFrame(
            new StringDataFrameColumn("piece", pieces.Select(p => p.Name)),
            new StringDataFrameColumn("K", pieces.Select(p => p.Formula)),
            new StringDataFrameColumn("terms", pieces.Select(p => string.Join(",", p.Terms))),
            new StringDataFrameColumn("variables", pieces.Select(p => string.Join(",", p.Variables))),
            new PrimitiveDataFrameColumn<int>("d", pieces.Select(p => p.Potential.Dimension)),
            Column("log Z_n", p => p.LogEvidence),
            Column("F_n", p => p.FreeEnergy),
            Column("E_t[tK] exact", p => p.ExpectedTK),
            Column("λ", p => p.Coefficient?.Lambda),
            new PrimitiveDataFrameColumn<int>("m", pieces.Select(p => p.Coefficient?.Multiplicity)),
            Column("λ̂", p => p.LambdaHat),
            Column("λ̂ se", p => p.LambdaHatStandardError),
            Column("relative error", p => p.RelativeError),
            new StringDataFrameColumn("verdict", pieces.Select(p => p.Estimate?.Diagnostics.Verdict ?? "")));
    }

    /// <summary>One row per potential compared: the whole and its parts, the exact F_n of the whole against Σ F_n of the
    /// parts and their gap, the asymptotic λ of both sides, λ̂ of the whole against Σ λ̂ of the parts with se, the estimated
    /// gap with se, and both verdicts.</summary>
    public static DataFrame Summary(IReadOnlyList<PotentialAdditivity> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        if (cases.Count == 0) throw new ArgumentException("Give at least one comparison.", nameof(cases));
        PrimitiveDataFrameColumn<double> Column(string name, Func<PotentialAdditivity, double?> value) => new(name, cases.Select(value));
        return new DataFrame(
            new StringDataFrameColumn("K", cases.Select(c => c.Partition.WholeFormula)),
            new StringDataFrameColumn("parts", cases.Select(c => string.Join("  |  ", c.Parts.Select(p => p.Formula)))),
            new StringDataFrameColumn("variables", cases.Select(c => c.Disjoint ? "disjoint" : "shared")),
            Column("F_n", c => c.Whole.FreeEnergy),
            Column("Σ F_n parts", c => c.Sum(p => p.FreeEnergy)),
            Column("F_n gap", c => c.FreeEnergyGap),
            Column("λ", c => c.Whole.Coefficient?.Lambda),
            Column("Σ λ parts", c => c.Sum(p => p.Coefficient?.Lambda)),
            Column("λ̂", c => c.Whole.LambdaHat),
            Column("λ̂ se", c => c.Whole.LambdaHatStandardError),
            Column("Σ λ̂ parts", c => c.Sum(p => p.LambdaHat)),
            Column("Σ λ̂ parts se", c => c.PartsStandardError()),
            Column("λ̂ gap", c => c.LambdaHatGap),
            Column("λ̂ gap se", c => c.LambdaHatGapStandardError),
            new StringDataFrameColumn("exact", cases.Select(c => c.ExactVerdict)),
            new StringDataFrameColumn("estimated", cases.Select(c => c.EstimatedVerdict)));
    }

    /// <summary>One row per compared quantity: whole, Σ parts, whole − Σ parts (with se for λ̂) and the verdict.</summary>
    public DataFrame GapsToDataFrame()
    {
        var rows = new (string Quantity, Func<AdditivityPiece, double?> Value, double? Gap, double? Se, string Verdict)[]
        {
            ("log Z_n (exact)", p => p.LogEvidence, LogEvidenceGap, null, ExactVerdict),
            ("F_n (exact)", p => p.FreeEnergy, FreeEnergyGap, null, FreeEnergyBoundsHold is bool b ? (b ? "bounds max F_p ≤ F ≤ Σ F_p hold" : "bounds max F_p ≤ F ≤ Σ F_p FAIL") : ""),
            ("E_t[tK] (exact)", p => p.ExpectedTK, ExpectedTKGap, null, ""),
            ("λ (asymptotic)", p => p.Coefficient?.Lambda, LambdaGap, null, LambdaBoundsHold is bool l ? (l ? "bounds max λ_p ≤ λ ≤ Σ λ_p hold" : "bounds max λ_p ≤ λ ≤ Σ λ_p FAIL") : "unknown"),
            ("λ̂ (SGLD)", p => p.LambdaHat, LambdaHatGap, LambdaHatGapStandardError, EstimatedVerdict),
        };
        return new DataFrame(
            new StringDataFrameColumn("quantity", rows.Select(r => r.Quantity)),
            new PrimitiveDataFrameColumn<double>("whole", rows.Select(r => r.Value(Whole))),
            new PrimitiveDataFrameColumn<double>("Σ parts", rows.Select(r => Sum(r.Value))),
            new PrimitiveDataFrameColumn<double>("gap", rows.Select(r => r.Gap)),
            new PrimitiveDataFrameColumn<double>("gap se", rows.Select(r => r.Se)),
            new StringDataFrameColumn("verdict", rows.Select(r => r.Verdict)));
    }

    /// <summary>Bars per piece and for Σ parts: λ̂ ± se, the exact E_t[tK] and the asymptotic λ (where known); the title
    /// gives the estimated gap and its verdict.</summary>
    public Figure ToFigure()
    {
        var pieces = Pieces.ToArray();
        var categories = pieces.Select(p => $"{p.Name}: {p.Formula}").Append("Σ parts").ToArray();
        var traces = new List<Trace>();
        void Add(string name, Func<AdditivityPiece, double?> value, Func<AdditivityPiece, double?>? se = null)
        {
            var values = pieces.Select(value).Append(Sum(value)).ToArray();
            var errors = se is null ? null : pieces.Select(se).Append(PartsStandardError()).ToArray();
            var shown = Enumerable.Range(0, values.Length).Where(i => values[i] is double v && double.IsFinite(v)).ToArray();
            if (shown.Length == 0) return;
            traces.Add(new BarTrace(name, shown.Select(i => categories[i]).ToArray(), shown.Select(i => values[i]!.Value).ToArray(),
                errors is null ? null : shown.Select(i => errors[i] ?? 0).ToArray()));
        }
        Add("λ̂ ± se (SGLD)", p => p.LambdaHat, p => p.LambdaHatStandardError);
        Add(Invariant($"E_t[tK] exact (t = {Settings.SamplingTemperature:G})"), p => p.ExpectedTK);
        Add("λ (asymptotic)", p => p.Coefficient?.Lambda);
        string title = LambdaHatGap is double g
            ? Invariant($"{Partition.WholeFormula}: λ̂(whole) − Σ λ̂(parts) = {g:F3} ± {LambdaHatGapStandardError:F3} ({(EstimatedAdditive == true ? "additive" : "interference")})")
            : ExpectedTKGap is double e
                ? Invariant($"{Partition.WholeFormula}: E_t[tK](whole) − Σ parts = {e:F3} (exact)")
                : Partition.WholeFormula;
        return new Figure(title, traces, new Axis("piece"), new Axis("learning coefficient"));
    }

    /// <summary>
    /// The JSON of <c>slt additivity potential --json</c>: terms, parts_terms (the partition as term indices), formula, n,
    /// nbeta, seed, disjoint; per piece (whole, and parts[] in order)
    /// name, formula, terms, variables, log_evidence, free_energy, expected_tk, lambda, multiplicity, lambda_rule,
    /// lambda_hat, lambda_hat_se, relative_error, trust, verdict and the full run report (estimate); the gaps
    /// (log_evidence_gap, free_energy_gap, expected_tk_gap, lambda_gap, multiplicity_gap, lambda_hat_gap, lambda_hat_gap_se,
    /// allowed_gap), the bound checks, exact_verdict, estimated_verdict, trust. Null, never NaN, where there is no number.
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["terms"] = Partition.Whole.Notation,
        ["parts_terms"] = Partition.Notation,
        ["formula"] = Partition.WholeFormula,
        ["n"] = Settings.SampleSize,
        ["nbeta"] = Settings.SamplingTemperature,
        ["seed"] = Settings.Seed,
        ["disjoint"] = Disjoint,
        ["whole"] = ToJson(Whole),
        ["parts"] = new JsonArray(Parts.Select(p => (JsonNode?)ToJson(p)).ToArray()),
        ["log_evidence_gap"] = Number(LogEvidenceGap),
        ["free_energy_gap"] = Number(FreeEnergyGap),
        ["expected_tk_gap"] = Number(ExpectedTKGap),
        ["lambda_gap"] = Number(LambdaGap),
        ["multiplicity_gap"] = MultiplicityGap is int m ? JsonValue.Create(m) : null,
        ["lambda_hat_gap"] = Number(LambdaHatGap),
        ["lambda_hat_gap_se"] = Number(LambdaHatGapStandardError),
        ["allowed_gap"] = Number(AllowedGap),
        ["exact_additive"] = ExactAdditive is bool x ? JsonValue.Create(x) : null,
        ["estimated_additive"] = EstimatedAdditive is bool y ? JsonValue.Create(y) : null,
        ["free_energy_bounds_hold"] = FreeEnergyBoundsHold is bool f ? JsonValue.Create(f) : null,
        ["lambda_bounds_hold"] = LambdaBoundsHold is bool l ? JsonValue.Create(l) : null,
        ["exact_verdict"] = ExactVerdict,
        ["estimated_verdict"] = EstimatedVerdict,
        ["trust"] = Trust.ToString(),
    };

    private static JsonObject ToJson(AdditivityPiece p) => new()
    {
        ["name"] = p.Name,
        ["formula"] = p.Formula,
        ["terms"] = new JsonArray(p.Terms.Select(j => (JsonNode?)JsonValue.Create(j)).ToArray()),
        ["variables"] = new JsonArray(p.Variables.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
        ["potential"] = p.Potential.Notation,
        ["log_evidence"] = Number(p.LogEvidence),
        ["free_energy"] = Number(p.FreeEnergy),
        ["expected_tk"] = Number(p.ExpectedTK),
        ["lambda"] = Number(p.Coefficient?.Lambda),
        ["multiplicity"] = p.Coefficient is { } c ? JsonValue.Create(c.Multiplicity) : null,
        ["lambda_rule"] = p.Coefficient?.Rule ?? "unknown",
        ["lambda_hat"] = Number(p.LambdaHat),
        ["lambda_hat_se"] = Number(p.LambdaHatStandardError),
        ["relative_error"] = Number(p.RelativeError),
        ["trust"] = p.Estimate?.Diagnostics.Trust.ToString(),
        ["verdict"] = p.Estimate?.Diagnostics.Verdict,
        ["estimate"] = p.Estimate is { } e ? EstimateReport.ToJson(e) : null,
    };

    private double? Gap(Func<AdditivityPiece, double?> value) => value(Whole) is double w && Sum(value) is double s ? w - s : null;

    private double? Sum(Func<AdditivityPiece, double?> value) => Parts.All(p => value(p) is not null) ? Parts.Sum(p => value(p)!.Value) : null;

    private double? PartsStandardError() =>
        Parts.All(p => p.LambdaHatStandardError is not null) ? Math.Sqrt(Parts.Sum(p => p.LambdaHatStandardError!.Value * p.LambdaHatStandardError.Value)) : null;

    private static JsonNode? Number(double? v) => v is double d && double.IsFinite(d) ? JsonValue.Create(d) : null;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
