using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Slt.Contexts;
using Slt.Diagnostics;
using Slt.Estimators;
using Slt.Presentation;
using Slt.Sampling;
using Slt.Training;
using Slt.Truth;

namespace Slt.Additivity;

/// <summary>At which nβ a part's λ̂ is taken.</summary>
public enum PartTemperature
{
    /// <summary>n_f β with the whole's β = 1/log n (n = all windows): the part's share of the whole's tempered likelihood.
    /// The right one: only then is the joined posterior the product of the parts' (<see cref="FamilyPartition.PartNBeta"/>).</summary>
    WholeBeta,
    /// <summary>n_f / log n_f, the part's own WBIC temperature as if it were a sample of its own. Wrong for additivity
    /// (kept to show that the check has power: it breaks the identity by the factor log n / log n_f on the parts).</summary>
    OwnSampleSize,
}

/// <summary>How λ̂(whole) compares with the sum of the parts' λ̂.</summary>
public enum AdditivityVerdict
{
    /// <summary>|λ̂_whole − Σ λ̂_f| ≤ 2 × combined standard error + 10 % of |λ̂_whole|.</summary>
    Additive,
    /// <summary>The gap exceeds that tolerance.</summary>
    NotAdditive,
    /// <summary>A run diverged: no comparison.</summary>
    Undetermined,
}

/// <summary>
/// SLT's divide-and-conquer step, measured on a transformer whose contexts use disjoint weights by construction
/// (<see cref="JoinedTransformer"/>): λ̂(U ⊔ V) on all windows against λ̂(U) on family 1's windows plus λ̂(V) on family 2's.
/// </summary>
/// <remarks>
/// <para>The identity. With w = (u_1, …, u_F) and window i routed to part f(i), n L_n(w) = Σ_f n_f L^f(u_f), where L^f is
/// the mean loss over the n_f windows of family f. The localized tempered posterior of the LLC estimator,
/// p(w) ∝ exp(−nβ L_n(w) − (γ/2)‖w − w*‖²) = Π_f exp(−n_f β L^f(u_f) − (γ/2)‖u_f − u_f*‖²), is then exactly the product of
/// the parts' posteriors at nβ_f = n_f β with the whole's β = 1/log n, and
/// λ̂_whole = nβ (E[L_n(w)] − L_n(w*)) = Σ_f n_f β (E[L^f(u_f)] − L^f(u_f*)) = Σ_f λ̂_f
/// holds for the posterior expectations, exactly, whatever w* is (trained or not). The estimates differ only by Monte
/// Carlo error and by SGLD's discretisation (the whole's mini-batches mix the families, so each part sees a noisier
/// gradient; its bias is of order ε). Taking a part at its own n_f / log n_f (<see cref="PartTemperature.OwnSampleSize"/>)
/// breaks the identity.</para>
/// <para>Verdict: additive when |λ̂_whole − Σ_f λ̂_f| ≤ 2 √(se_whole² + Σ_f se_f²) + 0.1 |λ̂_whole|; the 10 % allows for
/// SGLD's discretisation bias, which differs between the whole's run and the parts'.</para>
/// <para>Seeds: the whole's run uses the settings' seed s, part f's s + 1 + f, so the three estimates' Monte Carlo errors
/// are independent and the combined standard error is honest.</para>
/// </remarks>
/// <param name="Families">The families' names, in index order.</param>
/// <param name="Windows">n, all windows.</param>
/// <param name="Temperature">How the parts' nβ were set.</param>
/// <param name="Whole">λ̂(U ⊔ V) on all windows, all weights sampled, nβ = n / log n.</param>
/// <param name="Parts">λ̂ of each part on its family's windows, only its weights sampled.</param>
public sealed record JoinedAdditivity(IReadOnlyList<string> Families, int Windows, PartTemperature Temperature,
    LlcSummary Whole, IReadOnlyList<LlcSummary> Parts)
{
    /// <summary>Tolerance's relative part: 10 % of |λ̂_whole|.</summary>
    public const double RelativeTolerance = 0.1;

    /// <summary>True when the result was read from the cache.</summary>
    public bool FromCache { get; init; }

    /// <summary>β = 1/log n, the whole's inverse temperature.</summary>
    public double Beta => 1.0 / Math.Log(Windows);

    /// <summary>Σ_f λ̂_f; null if a part diverged.</summary>
    public double? Sum => Parts.All(p => p.Mean is not null) ? Parts.Sum(p => p.Mean!.Value) : null;

    /// <summary>√(Σ_f se_f²).</summary>
    public double? SumStandardError => Parts.All(p => p.StandardError is not null) ? Math.Sqrt(Parts.Sum(p => p.StandardError!.Value * p.StandardError.Value)) : null;

    /// <summary>λ̂_whole − Σ_f λ̂_f; null if a run diverged.</summary>
    public double? Gap => Whole.Mean is double w && Sum is double s ? w - s : null;

    /// <summary>√(se_whole² + Σ_f se_f²), the gap's standard error.</summary>
    public double? GapStandardError => Whole.StandardError is double a && SumStandardError is double b ? Math.Sqrt(a * a + b * b) : null;

    /// <summary>2 × gap se + 10 % of |λ̂_whole|.</summary>
    public double? Tolerance => GapStandardError is double s && Whole.Mean is double w ? 2 * s + RelativeTolerance * Math.Abs(w) : null;

    /// <summary>The verdict (see the remarks).</summary>
    public AdditivityVerdict Verdict => Gap is double g && Tolerance is double t
        ? Math.Abs(g) <= t ? AdditivityVerdict.Additive : AdditivityVerdict.NotAdditive
        : AdditivityVerdict.Undetermined;

    /// <summary>The worst diagnostic verdict of the runs.</summary>
    public Trust WorstTrust => Parts.Select(p => p.Trust).Append(Whole.Trust).Max();

    /// <summary>
    /// Estimates λ̂ of the whole and of each part. The whole: <paramref name="model"/> on all windows of
    /// <paramref name="sample"/>, every weight sampled, nβ = n / log n. Part f: the same model on family f's windows only
    /// (<see cref="FamilyPartition"/>), only f's weights sampled (<see cref="JoinedTransformer.ParameterNamesOf"/>), nβ per
    /// <paramref name="temperature"/>. Chains run in parallel on copies (<see cref="JoinedTransformer.SameArchitecture"/>).
    /// The model's weights are left as they were.
    /// </summary>
    /// <param name="model">The joined model at w* (its current weights).</param>
    /// <param name="sample">n windows (n ≥ 3), each of one family (burstiness 1); every family must have at least 3 windows.</param>
    /// <param name="settings">SGLD settings (default <see cref="AdditivitySampling.Default"/>); their nβ and
    /// sampled parameters are replaced as above, their seed s gives s (whole) and s + 1 + f (part f).</param>
    /// <param name="temperature">The parts' nβ (default the right one, <see cref="PartTemperature.WholeBeta"/>).</param>
    /// <param name="progress">Receives the sampler's progress, whole first.</param>
    /// <param name="cancellationToken">Stops sampling.</param>
    /// <exception cref="ArgumentException">The sample's vocabulary has other families than the model's, a window has words
    /// of two families, or a family has fewer than 3 windows; the settings name sampled parameters.</exception>
    public static JoinedAdditivity Estimate(JoinedTransformer model, WindowSample sample, SgldSettings? settings = null,
        PartTemperature temperature = PartTemperature.WholeBeta, IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        settings ??= AdditivitySampling.Default;
        if (settings.SampledParameters is not null)
            throw new ArgumentException("settings.SampledParameters must be null: the whole samples every weight and each part its own.", nameof(settings));
        if (!sample.Vocabulary.FamilyNames.SequenceEqual(model.FamilyNames) || sample.Vocabulary.Count != model.VocabularySize)
            throw new ArgumentException($"The sample's vocabulary ({sample.Vocabulary.Count} tokens; families {string.Join(", ", sample.Vocabulary.FamilyNames)}) is not the model's ({model.VocabularySize}; {string.Join(", ", model.FamilyNames)}).", nameof(sample));
        if (sample.Count < 3) throw new ArgumentException($"The sample has {sample.Count} windows; nβ = n / log n needs n ≥ 3.", nameof(sample));
        var partition = FamilyPartition.Of(sample);
        for (int f = 0; f < model.FamilyNames.Count; f++)
            if (partition.CountOf(f) < 3)
                throw new ArgumentException($"Family {model.FamilyNames[f]} has {partition.CountOf(f)} window(s) in the sample; each part needs at least 3.", nameof(sample));

        var whole = Run(model, "whole", sample, partition.WholeNBeta, null, settings with { Seed = settings.Seed }, progress, cancellationToken);
        var parts = Enumerable.Range(0, model.FamilyNames.Count)
            .Select(f => EstimatePart(model, partition, f, settings, temperature, progress, cancellationToken)).ToArray();
        return new JoinedAdditivity(model.FamilyNames.ToArray(), sample.Count, temperature, whole, parts);
    }

    /// <summary>
    /// λ̂ of one part: <paramref name="model"/> on family <paramref name="family"/>'s windows of the partitioned sample,
    /// only that part's weights sampled, nβ per <paramref name="temperature"/>, sampler seed settings.Seed + 1 + family
    /// (as in <see cref="Estimate"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The family has fewer than 3 windows; the settings name sampled parameters.</exception>
    public static LlcSummary EstimatePart(JoinedTransformer model, FamilyPartition partition, int family, SgldSettings settings,
        PartTemperature temperature = PartTemperature.WholeBeta, IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.SampledParameters is not null)
            throw new ArgumentException("settings.SampledParameters must be null: a part samples its own weights.", nameof(settings));
        int nf = partition.CountOf(family);
        if (nf < 3) throw new ArgumentException($"Family {partition.FamilyNames[family]} has {nf} window(s); a part needs at least 3.", nameof(partition));
        double nBeta = temperature == PartTemperature.WholeBeta ? partition.PartNBeta(family) : nf / Math.Log(nf);
        return Run(model, model.FamilyNames[family], partition.SampleOf(family), nBeta, model.ParameterNamesOf(family),
            settings with { Seed = settings.Seed + 1 + family }, progress, cancellationToken);
    }

    private static LlcSummary Run(JoinedTransformer model, string name, WindowSample data, double nBeta, IReadOnlyList<string>? sampled,
        SgldSettings settings, IProgress<SamplingProgress>? progress, CancellationToken cancellationToken)
    {
        using var target = NextTokenTarget.Create(model, data, replicate: model.SameArchitecture);
        var result = LocalLearningCoefficient.Estimate(target, settings with { NBeta = nBeta, SampledParameters = sampled },
            progress: progress, cancellationToken: cancellationToken);
        return LlcSummary.From(name, data.Count, result);
    }

    /// <summary>
    /// The measurement on the default corpus, cached (<see cref="ContextResultCache"/>, kind <c>joined-additivity</c>): the
    /// parts trained or loaded by <see cref="FamilyParts.TrainOrLoad"/> (default <see cref="FamilyParts.DefaultRecipe"/>),
    /// a sample of <paramref name="windows"/> windows drawn from the whole truth with <paramref name="seed"/>, and
    /// <see cref="Estimate"/>.
    /// </summary>
    /// <param name="windows">n (default 256).</param>
    /// <param name="seed">Seed of the sample (default 1).</param>
    /// <param name="recipes">One part recipe per family; default <see cref="FamilyParts.DefaultRecipe"/> of each family of the default corpus.</param>
    /// <param name="settings">SGLD settings; default <see cref="AdditivitySampling.Default"/>.</param>
    /// <param name="temperature">The parts' nβ.</param>
    /// <param name="directory">The results cache folder (default <see cref="ContextResultCache.DefaultDirectory"/>).</param>
    /// <param name="useCache">False: neither read nor write the cache.</param>
    /// <param name="progress">Sampler progress.</param>
    public static JoinedAdditivity ForCorpus(int windows = NextTokenTarget.DefaultWindows, long seed = 1, IReadOnlyList<TrainingRunConfig>? recipes = null,
        SgldSettings? settings = null, PartTemperature temperature = PartTemperature.WholeBeta, string? directory = null, bool useCache = true,
        IProgress<SamplingProgress>? progress = null)
    {
        if (windows < 6) throw new ArgumentOutOfRangeException(nameof(windows), windows, "windows must be at least 6 (3 per family).");
        recipes ??= CorpusSpec.Default.Families.Select(f => FamilyParts.DefaultRecipe(f.Name)).ToArray();
        settings ??= AdditivitySampling.Default;
        string key = string.Join("\n", recipes.Select(r => r.ContentHash()))
                     + $"\nwindows={windows}\nseed={seed}\ntemperature={temperature}\n" + JsonSerializer.Serialize(settings);
        var (result, fromCache) = ContextResultCache.GetOrCompute("joined-additivity", key, () =>
        {
            var (model, _) = FamilyParts.TrainOrLoad(recipes);
            using (model)
            {
                var sample = new CorpusGenerator(new TrueDistribution(recipes[0].Corpus)).Sample(windows, seed);
                return Estimate(model, sample, settings, temperature, progress);
            }
        }, directory, useCache);
        return result with { FromCache = fromCache };
    }

    /// <summary>One row per estimate (whole, each part, the sum): data, n, nβ, sampled weights, L_n at w*, λ̂ and se, R̂, ESS, MALA, trust.</summary>
    public DataFrame ToDataFrame()
    {
        var rows = Parts.Prepend(Whole).ToArray();
        string Data(LlcSummary e) => e.Name == "whole" ? "all windows" : $"{e.Name} windows";
        string Weights(LlcSummary e) => e.Name == "whole" ? "all (" + string.Join(" ⊔ ", Families) + ")" : e.Name + ".*";
        var estimate = new StringDataFrameColumn("estimate", rows.Select(e => e.Name == "whole" ? "λ̂(whole)" : $"λ̂({e.Name})").Append("Σ parts").Append("gap whole − Σ parts"));
        var data = new StringDataFrameColumn("data", rows.Select(Data).Append("").Append(""));
        var weights = new StringDataFrameColumn("sampled", rows.Select(Weights).Append("").Append(""));
        var n = new PrimitiveDataFrameColumn<int>("n", rows.Select(e => (int?)e.Windows).Append(null).Append(null));
        var nBeta = new PrimitiveDataFrameColumn<double>("n_beta", rows.Select(e => (double?)e.NBeta).Append(null).Append(null));
        var dimension = new PrimitiveDataFrameColumn<long>("dimension", rows.Select(e => (long?)e.SampledDimension).Append(null).Append(null));
        var loss = new PrimitiveDataFrameColumn<double>("L_n", rows.Select(e => (double?)e.LossAtOptimum).Append(null).Append(null));
        var llc = new PrimitiveDataFrameColumn<double>("llc", rows.Select(e => e.Mean).Append(Sum).Append(Gap));
        var se = new PrimitiveDataFrameColumn<double>("llc_se", rows.Select(e => e.StandardError).Append(SumStandardError).Append(GapStandardError));
        var rhat = new PrimitiveDataFrameColumn<double>("rhat", rows.Select(e => (double?)e.RHat).Append(null).Append(null));
        var ess = new PrimitiveDataFrameColumn<double>("ess", rows.Select(e => (double?)e.Ess).Append(null).Append(null));
        var mala = new PrimitiveDataFrameColumn<double>("mala_acceptance", rows.Select(e => (double?)e.MalaAcceptance).Append(null).Append(null));
        var trust = new StringDataFrameColumn("trust", rows.Select(e => e.Trust.ToString()).Append("").Append(Verdict.ToString()));
        return new DataFrame(estimate, data, weights, n, nBeta, dimension, loss, llc, se, rhat, ess, mala, trust);
    }

    /// <summary>Bars: λ̂(whole), each part's λ̂ and their sum, ±1 standard error; the whole's value as a reference line.</summary>
    public Figure ToFigure(string? title = null)
    {
        var categories = new[] { "whole (all windows)" }.Concat(Parts.Select(p => $"{p.Name} ({p.Name} windows)")).Append("Σ parts").ToArray();
        var values = new[] { Whole.Mean ?? double.NaN }.Concat(Parts.Select(p => p.Mean ?? double.NaN)).Append(Sum ?? double.NaN).ToArray();
        var errors = new[] { Whole.StandardError ?? double.NaN }.Concat(Parts.Select(p => p.StandardError ?? double.NaN)).Append(SumStandardError ?? double.NaN).ToArray();
        var figure = new Figure(title ?? $"Disjoint weights: λ̂(whole) against Σ λ̂(parts), gap {Format(Gap, GapStandardError)} → {Verdict}",
            [new BarTrace("λ̂ ± se", categories, values, errors)], new Axis("estimate"), new Axis("λ̂"));
        return Whole.Mean is double w ? figure with { Marks = [new HorizontalLine("λ̂(whole)", w)] } : figure;
    }

    /// <summary>Snake_case JSON: families, n, β, the parts' temperature, whole and parts (λ̂, se, nβ, n, …), sum, gap, tolerance, verdict.</summary>
    public JsonObject ToJson()
    {
        static JsonNode? Number(double? v) => v is double d && double.IsFinite(d) ? JsonValue.Create(d) : null;
        JsonObject One(LlcSummary e) => new()
        {
            ["name"] = e.Name,
            ["windows"] = e.Windows,
            ["n_beta"] = Number(e.NBeta),
            ["sampled_dimension"] = e.SampledDimension,
            ["loss_at_w_star"] = Number(e.LossAtOptimum),
            ["llc_mean"] = Number(e.Mean),
            ["llc_se"] = Number(e.StandardError),
            ["per_chain"] = new JsonArray(e.PerChain.Select(v => Number(v)).ToArray()),
            ["rhat"] = Number(e.RHat),
            ["ess"] = Number(e.Ess),
            ["mala_acceptance"] = Number(e.MalaAcceptance),
            ["trust"] = e.Trust.ToString(),
            ["verdict"] = e.Verdict,
            ["seconds"] = Number(e.Seconds),
        };
        return new JsonObject
        {
            ["families"] = new JsonArray(Families.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
            ["windows"] = Windows,
            ["beta"] = Number(Beta),
            ["part_temperature"] = Temperature.ToString(),
            ["whole"] = One(Whole),
            ["parts"] = new JsonArray(Parts.Select(p => (JsonNode?)One(p)).ToArray()),
            ["sum"] = Number(Sum),
            ["sum_se"] = Number(SumStandardError),
            ["gap"] = Number(Gap),
            ["gap_se"] = Number(GapStandardError),
            ["tolerance"] = Number(Tolerance),
            ["verdict"] = Verdict.ToString(),
            ["worst_trust"] = WorstTrust.ToString(),
            ["from_cache"] = FromCache,
        };
    }

    /// <summary>Lines: the whole, each part, the sum, the gap ± se and the verdict.</summary>
    public string Summary()
    {
        var lines = new List<string>
        {
            $"λ̂(whole) = {Format(Whole.Mean, Whole.StandardError)} on n = {Windows} windows, nβ = {Whole.NBeta:F2}, {Whole.SampledDimension} weights [{Whole.Trust}]",
        };
        foreach (var p in Parts)
            lines.Add($"λ̂({p.Name}) = {Format(p.Mean, p.StandardError)} on n_f = {p.Windows} windows, nβ = {p.NBeta:F2}, {p.SampledDimension} weights [{p.Trust}]");
        lines.Add($"Σ parts = {Format(Sum, SumStandardError)}; gap whole − Σ = {Format(Gap, GapStandardError)}, tolerance 2 se + 10 % = " +
                  (Tolerance is double t ? t.ToString("F2") : "n/a") + $" → {Verdict}" + (Temperature == PartTemperature.WholeBeta ? "" : " (parts at n_f / log n_f)"));
        return string.Join(Environment.NewLine, lines);
    }

    private static string Format(double? mean, double? se) => mean is double m ? $"{m:F2} ± {se:F2}" : "n/a";
}
