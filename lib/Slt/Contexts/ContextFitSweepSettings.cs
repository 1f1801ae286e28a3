using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Contexts;

/// <summary>
/// What a sweep of the fitted context map measures: for the most frequent task of every family and every context
/// length m in <see cref="ContextLengths"/>, one context C, <see cref="TrainQueries"/> training queries and
/// <see cref="TestQueries"/> held-out queries of length <see cref="QueryLength"/> continuing it, a fit over
/// <see cref="Subset"/> with <see cref="Fit"/>, and R on the held-out queries. The contexts and queries are the same at
/// every checkpoint (they depend on the truth and the seed only).
/// </summary>
/// <param name="ContextLengths">The context lengths m, each ≥ 1 with m + T ≤ C; default 1, 2, 4, 8, 16.</param>
/// <param name="QueryLength">T ≥ 1; default 4 (the predictions after x's first four tokens, where the context matters most).</param>
/// <param name="TrainQueries">Training queries per context, ≥ 1; default 64.</param>
/// <param name="TestQueries">Held-out queries per context, ≥ 2; default 64.</param>
/// <param name="Subset">The parameters the fit may move (<see cref="ParameterSubset"/>); default <c>full</c>.</param>
/// <param name="Fit">The optimiser's settings; default 100 Adam steps at η = 1e-3 decayed to 1e-4.</param>
/// <param name="Seed">Fixes the contexts and the queries; the held-out queries use seed + 1.</param>
public sealed record ContextFitSweepSettings(
    IReadOnlyList<int>? ContextLengths = null,
    int QueryLength = 4,
    int TrainQueries = 64,
    int TestQueries = 64,
    string Subset = "full",
    ContextFitSettings? Fit = null,
    long Seed = 1)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>The context lengths swept.</summary>
    [JsonIgnore]
    public IReadOnlyList<int> Lengths => ContextLengths ?? [1, 2, 4, 8, 16];

    /// <summary>The optimiser's settings used.</summary>
    [JsonIgnore]
    public ContextFitSettings FitSettings => Fit ?? DefaultFit;

    /// <summary>The sweep's default fit: 100 full-batch Adam steps at η = 1e-3 (cosine to 1e-4).</summary>
    public static ContextFitSettings DefaultFit { get; } = new(Steps: 100, LearningRate: 1e-3, FinalLearningRateFraction: 0.1);

    /// <summary>
    /// The sweep's settings for a subset, with the learning rate that converges for it: η = 1e-3 for the full model
    /// (larger rates overfit the training queries), η = 1e-2 for a smaller subset (1e-3 leaves it short of its optimum in
    /// 100 steps); docs/contexts.md gives the measurements.
    /// </summary>
    public static ContextFitSweepSettings ForSubset(string subset) =>
        new(Subset: subset, Fit: subset.Trim() == "full" ? DefaultFit : DefaultFit with { LearningRate = 1e-2 });

    /// <summary>Throws a parameter-naming exception for a bad field; returns this otherwise.</summary>
    /// <param name="windowLength">C, the model's context window.</param>
    public ContextFitSweepSettings Validate(int windowLength)
    {
        if (Lengths.Count == 0) throw new ArgumentException("contextLengths must list at least one length.", nameof(ContextLengths));
        if (QueryLength < 1) throw new ArgumentOutOfRangeException(nameof(QueryLength), QueryLength, "queryLength must be at least 1.");
        foreach (int m in Lengths)
        {
            if (m < 1) throw new ArgumentOutOfRangeException(nameof(ContextLengths), m, "every context length must be at least 1.");
            if (m + QueryLength > windowLength)
                throw new ArgumentException($"context length {m} + queryLength {QueryLength} > C = {windowLength}: the prefixed queries would not fit.", nameof(ContextLengths));
        }
        if (Lengths.Distinct().Count() != Lengths.Count) throw new ArgumentException("contextLengths lists a length twice.", nameof(ContextLengths));
        if (TrainQueries < 1) throw new ArgumentOutOfRangeException(nameof(TrainQueries), TrainQueries, "trainQueries must be at least 1.");
        if (TestQueries < 2) throw new ArgumentOutOfRangeException(nameof(TestQueries), TestQueries, "testQueries must be at least 2 (for standard errors).");
        if (string.IsNullOrWhiteSpace(Subset)) throw new ArgumentException("subset must name parameters (e.g. full, last-mlp).", nameof(Subset));
        FitSettings.Validate();
        return this;
    }

    /// <summary>The settings as JSON, with the defaults filled in (the cache key's part).</summary>
    public string ToJson() => JsonSerializer.Serialize(this with { ContextLengths = Lengths.ToArray(), Fit = FitSettings }, Json);
}
