
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Slt.Contexts;
using Slt.Estimators;
using Slt.Model;
using Slt.Presentation;
using Slt.Sampling;
using Slt.Training;
using Slt.Truth;

namespace Slt.Additivity;

/// <summary>What an interference measurement samples.</summary>
public enum InterferenceKind
{
    /// <summary>Rows of the token embedding, one per word: the whole samples both families' words' rows, a part its
    /// own family's. Disjoint weights, and each family's loss depends on its own rows only (a window holds the words of
    /// one family): the whole's posterior factorizes, so I = 0 exactly in expectation.</summary>
    EmbeddingRows,
    /// <summary>Rows of the unembedding (weight [V, d] and bias [V]; a row = an output token), one per word. Disjoint
    /// weights, but every family's loss sees every row through the softmax's normalizer.</summary>
    UnembeddingRows,
    /// <summary>A block both families use whole (an attention layer, an MLP, a head): the same weights in all three runs.</summary>
    SharedBlock,
}

/// <summary>The weights an interference measurement samples: <c>rows</c> (token-embedding rows of the families'
/// words), <c>unembedding</c> (unembedding rows of the families' words), or a <see cref="ParameterSubset"/> spec of a
/// shared block (<c>attention-1</c>, <c>mlp-1</c>, <c>blocks.1.attention.heads.0</c>, …).</summary>
/// <param name="Spec">As written.</param>
public sealed record InterferenceBlock(string Spec)
{
    /// <summary>The token-embedding rows of the families' words.</summary>
    public static InterferenceBlock EmbeddingRows { get; } = new("rows");

    /// <summary>The unembedding rows of the families' words.</summary>
    public static InterferenceBlock UnembeddingRows { get; } = new("unembedding");

    /// <summary>The blocks of the measured figures: embedding rows, unembedding rows, and layer 1's MLP as the shared block (others, e.g. attention-1, by name).</summary>
    public static IReadOnlyList<InterferenceBlock> Defaults { get; } = [EmbeddingRows, UnembeddingRows, new("mlp-1")];

    /// <summary>What the spec names.</summary>
    public InterferenceKind Kind => Spec switch
    {
        "rows" or "embedding-rows" => InterferenceKind.EmbeddingRows,
        "unembedding" or "unembedding-rows" => InterferenceKind.UnembeddingRows,
        _ => InterferenceKind.SharedBlock,
    };

    /// <summary>A list "rows,unembedding,attention-1" (items separated by ';' or ','; a shared block's own list of
    /// parameters is written with '+': <c>attention-1+mlp-1</c>).</summary>
    /// <exception cref="ArgumentException">Empty.</exception>
    public static IReadOnlyList<InterferenceBlock> ParseList(string text)
    {
        var items = (text ?? "").Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new ArgumentException("The list of interference blocks is empty; name rows, unembedding or a block such as attention-1.", nameof(text));
        return items.Select(i => new InterferenceBlock(i.Replace('+', ','))).ToArray();
    }

    /// <summary>The sampled parameters and rows for a family (0 or 1) or, with null, both families.</summary>
    /// <exception cref="ArgumentException">A shared block's spec names no parameter of the model.</exception>
    public (IReadOnlyList<string> Parameters, IReadOnlyDictionary<string, IReadOnlyList<int>>? Rows) Resolve(Transformer model, Vocabulary vocabulary, int? family)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (Kind == InterferenceKind.SharedBlock) return (new ParameterSubset(Spec).Resolve(model), null);
        IReadOnlyList<int> words = Enumerable.Range(0, vocabulary.Count)
            .Where(t => vocabulary.FamilyOf[t] >= 0 && (family is null || vocabulary.FamilyOf[t] == family)).ToArray();
        if (words.Count == 0) throw new ArgumentException($"The vocabulary has no word of family {family}.", nameof(family));
        string[] names = Kind == InterferenceKind.EmbeddingRows ? ["token_embedding.weight"] : ["unembedding.weight", "unembedding.bias"];
        var present = model.named_parameters().Select(p => p.name).ToHashSet();
        names = names.Where(present.Contains).ToArray();
        return (names, names.ToDictionary(n => n, _ => words));
    }

    /// <summary>The spec.</summary>
    public override string ToString() => Spec;
}

/// <summary>One of the three estimates of an interference: λ̂ with its diagnostics.</summary>
/// <param name="Label">Which weights on which data, e.g. "garage rows on garage data".</param>
/// <param name="Windows">n of its data.</param>
/// <param name="NBeta">The nβ it was sampled at (n_f β with the whole's β).</param>
/// <param name="Dimension">Sampled coordinates.</param>
/// <param name="Llc">λ̂, null when divergent.</param>
/// <param name="StandardError">Its standard error.</param>
/// <param name="RHat">R̂.</param>
/// <param name="Ess">Bulk ESS.</param>
/// <param name="MalaAcceptance">MALA acceptance.</param>
/// <param name="Trust">The verdict's level.</param>
/// <param name="Verdict">The verdict in words.</param>
/// <param name="Seconds">Wall-clock seconds of the run.</param>
public sealed record InterferenceTerm(string Label, int Windows, double NBeta, long Dimension, double? Llc, double? StandardError,
    double RHat, double Ess, double MalaAcceptance, string Trust, string Verdict, double Seconds)
{
    /// <summary>The summary of an estimate.</summary>
    public static InterferenceTerm From(string label, int windows, LlcResult r) => new(label, windows, r.Run.NBeta, r.Run.SampledDimension,
        r.Mean, r.StandardError, r.Diagnostics.RHat, r.Diagnostics.Ess, r.Diagnostics.MalaAcceptance, r.Diagnostics.Trust.ToString(),
        r.Diagnostics.Verdict, r.Run.Seconds);
}

/// <summary>How I compares with zero at two standard errors.</summary>
public enum InterferenceSign
{
    /// <summary>|I| ≤ 2 se: additive within error.</summary>
    Additive,
    /// <summary>I &lt; −2 se: the whole costs less than the parts together (shared directions; SLT's max(λ₁, λ₂) ≤ λ ≤ λ₁ + λ₂ allows it).</summary>
    Negative,
    /// <summary>I &gt; 2 se: the whole costs more than the parts together (outside λ ≤ λ₁ + λ₂).</summary>
    Positive,
    /// <summary>A run diverged.</summary>
    Undetermined,
}

/// <summary>
/// Do the two families' learning coefficients add? I = λ̂(W, all data) − λ̂(W₁, family-1 data) − λ̂(W₂, family-2
/// data) for a set of weights W: the families' own rows W_f (W = W₁ ∪ W₂) or one shared block (W = W₁ = W₂).
/// </summary>
/// <remarks>
/// <para>Temperature. n L_n = n₁ L¹ + n₂ L² (<see cref="FamilyPartition"/>), so at the whole's β = 1/log n the whole
/// is sampled at nβ = n/log n and part f at n_f β (<see cref="FamilyPartition.PartNBeta"/>), the same γ and ε. If the
/// whole's loss is a sum of functions of disjoint weights, L(w₁, w₂) = (n₁/n)L¹(w₁) + (n₂/n)L²(w₂), the localized
/// tempered posterior is the product of the parts' and λ̂ adds: E[I] = 0. With shared weights SLT gives
/// max(λ₁, λ₂) ≤ λ ≤ λ₁ + λ₂, i.e. I ≤ 0.</para>
/// <para>Error. The three runs are independent (different data or seeds), so se(I) = √(se_W² + se_1² + se_2²); the
/// sign rule is |I| ≤ 2 se "additive within error" (<see cref="InterferenceSign"/>).</para>
/// </remarks>
/// <param name="Block">The weights' spec.</param>
/// <param name="Family1">Family 1's name.</param>
/// <param name="Family2">Family 2's name.</param>
/// <param name="Whole">λ̂(W, all data) at nβ.</param>
/// <param name="First">λ̂(W₁, family-1 data) at n₁β.</param>
/// <param name="Second">λ̂(W₂, family-2 data) at n₂β.</param>
public sealed record FamilyInterference(string Block, string Family1, string Family2, InterferenceTerm Whole, InterferenceTerm First, InterferenceTerm Second)
{
    /// <summary>
    /// The settings of the measured figures, <see cref="AdditivitySampling.Default"/> (ε = 2e−5, γ = 2000, batches of 4
    /// windows, 4 chains × (100 burn-in + 80 draws × 10 steps)).
    /// </summary>
    public static SgldSettings DefaultSettings => AdditivitySampling.Default;

    /// <summary>I = λ̂_W − λ̂_1 − λ̂_2; null when a run diverged.</summary>
    public double? Value => Whole.Llc is double w && First.Llc is double a && Second.Llc is double b ? w - a - b : null;

    /// <summary>√(se_W² + se_1² + se_2²).</summary>
    public double? StandardError => Whole.StandardError is double w && First.StandardError is double a && Second.StandardError is double b
        ? Math.Sqrt(w * w + a * a + b * b) : null;

    /// <summary>The sign of I at two standard errors.</summary>
    public InterferenceSign Sign => Value is double i && StandardError is double s
        ? Math.Abs(i) <= 2 * s ? InterferenceSign.Additive : i < 0 ? InterferenceSign.Negative : InterferenceSign.Positive
        : InterferenceSign.Undetermined;

    /// <summary>The three terms in order: whole, family 1, family 2.</summary>
    public IReadOnlyList<InterferenceTerm> Terms => [Whole, First, Second];

    /// <summary>Estimates the three LLCs at <paramref name="model"/>'s current weights (left as they were).</summary>
    /// <param name="model">The trained model, w*.</param>
    /// <param name="partition">The sample split by family (two families).</param>
    /// <param name="block">The weights.</param>
    /// <param name="settings">SGLD settings (default <see cref="DefaultSettings"/>); its NBeta, SampledParameters and
    /// SampledRows are set here; the three runs use seeds Seed, Seed + 1, Seed + 2.</param>
    /// <param name="progress">The sampler's progress, run after run.</param>
    /// <param name="cancellationToken">Stops sampling.</param>
    /// <exception cref="ArgumentException">Not two families, or the block names nothing.</exception>
    public static FamilyInterference Estimate(Transformer model, FamilyPartition partition, InterferenceBlock block, SgldSettings? settings = null,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(block);
        if (partition.FamilyNames.Count != 2)
            throw new ArgumentException($"Interference compares two families; this sample has {partition.FamilyNames.Count}.", nameof(partition));
        settings ??= DefaultSettings;
        var vocabulary = partition.Sample.Vocabulary;
        string weights = block.Kind switch
        {
            InterferenceKind.EmbeddingRows => "embedding rows",
            InterferenceKind.UnembeddingRows => "unembedding rows",
            _ => block.Spec,
        };
        string[] names = [.. partition.FamilyNames];
        InterferenceTerm Run(int? family, int seedOffset)
        {
            var (parameters, rows) = block.Resolve(model, vocabulary, family);
            var sample = family is int f ? partition.SampleOf(f) : partition.Sample;
            double nBeta = family is int g ? partition.PartNBeta(g) : partition.WholeNBeta;
            var s = settings with { NBeta = nBeta, SampledParameters = parameters, SampledRows = rows, Seed = settings.Seed + seedOffset };
            using var target = NextTokenTarget.Create(model, sample);
            var result = LocalLearningCoefficient.Estimate(target, s, progress: progress, cancellationToken: cancellationToken);
            string whose = block.Kind == InterferenceKind.SharedBlock ? weights
                : family is int h ? $"{names[h]} {weights}" : $"both families' {weights}";
            string data = family is int k ? $"{names[k]} data" : "all data";
            return InterferenceTerm.From($"{whose} on {data}", sample.Count, result);
        }
        return new FamilyInterference(block.Spec, names[0], names[1], Run(null, 0), Run(0, 1), Run(1, 2));
    }

    /// <summary>The default model (<see cref="TrainingRunConfig.Default"/>) on its shipped sample
    /// (<see cref="CorpusGenerator.SpecSample"/>, n = <see cref="NextTokenTarget.DefaultWindows"/> windows), one
    /// measurement per block, each cached under <c>SLT_CACHE/additivity</c> by recipe, block, settings and build. On a
    /// cache miss a block's result shipped in <c>data/results</c> (<c>slt additivity shared --interference … --ship</c>) is
    /// read when it was measured with the same settings on a model with the same fingerprint
    /// (<see cref="ModelFingerprint"/>); otherwise it is computed (about 15 s per block on two cores), and with
    /// <paramref name="ship"/> written there.</summary>
    public static (IReadOnlyList<FamilyInterference> Results, bool FromCache) Default(IReadOnlyList<InterferenceBlock>? blocks = null,
        SgldSettings? settings = null, bool useCache = true, IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default,
        bool ship = false)
    {
        blocks ??= InterferenceBlock.Defaults;
        settings ??= DefaultSettings;
        var recipe = TrainingRunConfig.Default;
        var results = new List<FamilyInterference>();
        bool allCached = true;
        Transformer? model = null;
        FamilyPartition? partition = null;
        double fingerprint = double.NaN;
        try
        {
            foreach (var block in blocks)
            {
                string key = $"interference|{recipe.ContentHash()}|spec-sample|{block.Spec}|{SettingsKey(settings)}";
                var (result, cached) = AdditivityCache.GetOrCompute("interference", key, () =>
                {
                    if (model is null)
                    {
                        model = TrainedModelCache.GetOrTrain(recipe).Model;
                        var sample = new CorpusGenerator(new TrueDistribution(recipe.Corpus)).SpecSample();
                        partition = FamilyPartition.Of(sample);
                        fingerprint = ModelFingerprint.Of(model, sample);
                    }
                    model.eval();
                    var (measured, shipped) = Configuration.ShippedResults.ReadOrCompute("interference", key, fingerprint,
                        () => Estimate(model, partition!, block, settings, progress, cancellationToken), ship);
                    return measured with { Shipped = shipped };
                }, useCache && !ship);
                allCached &= cached;
                results.Add(result);
            }
        }
        finally
        {
            model?.Dispose();
        }
        return (results, allCached);
    }

    /// <summary>Everything of the settings that decides a result, as text (SampledParameters, SampledRows and NBeta are set per run).</summary>
    internal static string SettingsKey(SgldSettings s) =>
        FormattableString.Invariant($"eps={s.StepSize};gamma={s.Localization};chains={s.Chains};draws={s.Draws};thin={s.StepsBetweenDraws};burn={s.BurnIn};batch={s.BatchSize};box={s.Box};rms={s.RmsPropDecay};mala={s.TrackMalaAcceptance}/{s.MalaEvery};loss={s.DrawLoss};start={s.Start};seed={s.Seed}");

    /// <summary>Whether this result was read from the shipped results (<c>data/results</c>).</summary>
    public bool Shipped { get; init; }

    /// <summary>Plain words for a sign.</summary>
    public static string Describe(InterferenceSign sign) => sign switch
    {
        InterferenceSign.Additive => "additive within error (|I| ≤ 2 se)",
        InterferenceSign.Negative => "negative: the whole costs less than the parts (shared directions)",
        InterferenceSign.Positive => "positive: the whole costs more than the parts",
        _ => "undetermined (a run diverged)",
    };

    /// <summary>One line: the three estimates, I ± se and the sign.</summary>
    public string Summary() =>
        $"{Block}: λ̂(whole) = {Format(Whole)}, λ̂({Family1}) = {Format(First)}, λ̂({Family2}) = {Format(Second)}; I = " +
        (Value is double i ? $"{i:F2} ± {StandardError:F2}" : "n/a") + $" → {Describe(Sign)}";

    private static string Format(InterferenceTerm t) => t.Llc is double m ? $"{m:F2} ± {t.StandardError:F2} [{t.Trust}]" : "divergent";

    /// <summary>One row per block: I ± se, the sign, the three λ̂ ± se with their nβ, dimension and verdict level.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<FamilyInterference> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return new DataFrame(
            new StringDataFrameColumn("block", results.Select(r => r.Block)),
            new DoubleDataFrameColumn("I", results.Select(r => r.Value)),
            new DoubleDataFrameColumn("I_se", results.Select(r => r.StandardError)),
            new StringDataFrameColumn("sign", results.Select(r => r.Sign.ToString())),
            new DoubleDataFrameColumn("llc_whole", results.Select(r => r.Whole.Llc)),
            new DoubleDataFrameColumn("llc_whole_se", results.Select(r => r.Whole.StandardError)),
            new DoubleDataFrameColumn("llc_1", results.Select(r => r.First.Llc)),
            new DoubleDataFrameColumn("llc_1_se", results.Select(r => r.First.StandardError)),
            new DoubleDataFrameColumn("llc_2", results.Select(r => r.Second.Llc)),
            new DoubleDataFrameColumn("llc_2_se", results.Select(r => r.Second.StandardError)),
            new DoubleDataFrameColumn("nbeta_whole", results.Select(r => r.Whole.NBeta)),
            new DoubleDataFrameColumn("nbeta_1", results.Select(r => r.First.NBeta)),
            new DoubleDataFrameColumn("nbeta_2", results.Select(r => r.Second.NBeta)),
            new PrimitiveDataFrameColumn<long>("dim_whole", results.Select(r => r.Whole.Dimension)),
            new PrimitiveDataFrameColumn<long>("dim_1", results.Select(r => r.First.Dimension)),
            new PrimitiveDataFrameColumn<long>("dim_2", results.Select(r => r.Second.Dimension)),
            new StringDataFrameColumn("trust", results.Select(r => string.Join(" / ", r.Terms.Select(t => t.Trust)))));
    }

    /// <summary>Per block, λ̂ of the whole beside λ̂₁ + λ̂₂ (±1 se): equal bars are additivity.</summary>
    public static Figure ToFigure(IReadOnlyList<FamilyInterference> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var labels = results.Select(r => r.Block).ToArray();
        static double Sum(FamilyInterference r) => r.First.Llc is double a && r.Second.Llc is double b ? a + b : double.NaN;
        static double SumSe(FamilyInterference r) => r.First.StandardError is double a && r.Second.StandardError is double b ? Math.Sqrt(a * a + b * b) : double.NaN;
        return new Figure("Do the families' λ add? λ̂(whole) against λ̂₁ + λ̂₂ per block",
            [
                new BarTrace("λ̂(W, all data)", labels, results.Select(r => r.Whole.Llc ?? double.NaN).ToArray(), results.Select(r => r.Whole.StandardError ?? double.NaN).ToArray()),
                new BarTrace("λ̂(W₁, family 1) + λ̂(W₂, family 2)", labels, results.Select(Sum).ToArray(), results.Select(SumSe).ToArray()),
            ],
            new Axis("weights"), new Axis("λ̂"));
    }

    /// <summary>The result as JSON: I, se, sign and the three terms.</summary>
    public JsonObject ToJson()
    {
        JsonObject Term(InterferenceTerm t) => new()
        {
            ["label"] = t.Label, ["windows"] = t.Windows, ["nbeta"] = t.NBeta, ["dimension"] = t.Dimension,
            ["llc"] = t.Llc, ["llc_se"] = t.StandardError, ["rhat"] = Finite(t.RHat), ["ess"] = Finite(t.Ess),
            ["mala_acceptance"] = Finite(t.MalaAcceptance), ["trust"] = t.Trust, ["verdict"] = t.Verdict, ["seconds"] = t.Seconds,
        };
        return new JsonObject
        {
            ["block"] = Block, ["family_1"] = Family1, ["family_2"] = Family2,
            ["interference"] = Value, ["interference_se"] = StandardError, ["sign"] = Sign.ToString(),
            ["whole"] = Term(Whole), ["first"] = Term(First), ["second"] = Term(Second),
        };
    }

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
