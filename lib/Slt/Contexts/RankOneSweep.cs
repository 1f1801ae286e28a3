using Microsoft.Data.Analysis;
using Slt.Model;
using Slt.Presentation;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// The exact rank-one update (<see cref="RankOneContextUpdate"/>) measured per family and context length: the worst
/// error of the output identity, how far ΔW is from rank one, the error without the bias absorption, and the query
/// dependence of ΔW among queries of one task after one context.
/// </summary>
public static class RankOneSweep
{
    /// <summary>
    /// For the most frequent task of every family and every m in <paramref name="contextLengths"/>: one context, n
    /// queries of length T continuing it (seed <paramref name="seed"/>), the update at a float64 copy of
    /// <paramref name="model"/>.
    /// </summary>
    /// <exception cref="ArgumentException">n &lt; 2, a length that does not fit (m + T &gt; C), or a model that does not fit the truth.</exception>
    public static RankOneSweepResult Run(Transformer model, TrueDistribution truth, IReadOnlyList<int> contextLengths, int queryLength = 8, int queries = 16, long seed = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(contextLengths);
        if (contextLengths.Count == 0) throw new ArgumentException("contextLengths must list at least one length.", nameof(contextLengths));
        if (queries < 2) throw new ArgumentOutOfRangeException(nameof(queries), queries, "queries must be at least 2 (the query dependence compares queries).");
        if (model.Config.VocabularySize != truth.Vocabulary.Count || model.Config.ContextLength != truth.ContextLength)
            throw new ArgumentException($"The model (|S| = {model.Config.VocabularySize}, C = {model.Config.ContextLength}) does not fit the corpus (|S| = {truth.Vocabulary.Count}, C = {truth.ContextLength}).", nameof(model));
        var rows = new List<RankOneRow>();
        using var exact = ModelCopies.Copy(model, ScalarType.Float64);
        foreach (int task in ContextualQueries.MostFrequentTaskPerFamily(truth))
            foreach (int m in contextLengths)
            {
                var data = ContextualQueries.Draw(truth, task, m, queryLength, queries, seed);
                using var update = RankOneContextUpdate.Compute(exact, data);
                rows.Add(new RankOneRow(data.Family, data.FamilyName, task, m, queries,
                    update.IdentityErrors().Max(), update.IdentityErrors(absorbResidual: false).Max(), update.RankRatios().Max(),
                    update.QueryDependence()));
            }
        return new RankOneSweepResult(rows);
    }
}

/// <summary>One (family, context length) cell of the rank-one sweep.</summary>
/// <param name="Family">The family index.</param>
/// <param name="FamilyName">Its name.</param>
/// <param name="Task">The task of the context and queries.</param>
/// <param name="ContextLength">m.</param>
/// <param name="Queries">n.</param>
/// <param name="IdentityError">max over queries and tokens of |log p(y | C ⊕ x, w) − log p(y | x, w + ΔW)| at the last position (float64).</param>
/// <param name="ErrorWithoutAbsorption">The same with ΔW alone, the residual stream's change not absorbed into the bias.</param>
/// <param name="RankRatio">max over queries of σ₂/σ₁ of ΔW.</param>
/// <param name="Dependence">The spread and cosines of ΔW over the queries.</param>
public sealed record RankOneRow(int Family, string FamilyName, int Task, int ContextLength, int Queries,
    double IdentityError, double ErrorWithoutAbsorption, double RankRatio, QueryDependence Dependence);

/// <summary>The rank-one sweep's rows, as a table and a figure.</summary>
public sealed record RankOneSweepResult(IReadOnlyList<RankOneRow> Rows)
{
    /// <summary>The worst identity error over every cell.</summary>
    public double WorstIdentityError => Rows.Max(r => r.IdentityError);

    /// <summary>The largest σ₂/σ₁ over every cell.</summary>
    public double WorstRankRatio => Rows.Max(r => r.RankRatio);

    public DataFrame ToDataFrame()
    {
        DoubleDataFrameColumn D(string name, Func<RankOneRow, double> f) => new(name, Rows.Select(f));
        return new DataFrame(
            new StringDataFrameColumn("family", Rows.Select(r => r.FamilyName)),
            new PrimitiveDataFrameColumn<int>("task", Rows.Select(r => r.Task)),
            new PrimitiveDataFrameColumn<int>("m", Rows.Select(r => r.ContextLength)),
            new PrimitiveDataFrameColumn<int>("queries", Rows.Select(r => r.Queries)),
            D("identity_error", r => r.IdentityError), D("error_without_bias", r => r.ErrorWithoutAbsorption),
            D("sigma2_over_sigma1", r => r.RankRatio),
            D("spread", r => r.Dependence.Spread), D("mean_cosine", r => r.Dependence.MeanCosine), D("min_cosine", r => r.Dependence.MinCosine),
            D("bias_spread", r => r.Dependence.BiasSpread), D("relative_size", r => r.Dependence.RelativeSize));
    }

    /// <summary>The query spread of ΔW against the context length, one line per family.</summary>
    public Figure ToFigure() => new(
        "Query dependence of the exact rank-one update ΔW(C, x)",
        Rows.GroupBy(r => r.FamilyName).OrderBy(g => g.Key).Select(g => (Trace)new LineTrace(g.Key,
            g.OrderBy(r => r.ContextLength).Select(r => (double)r.ContextLength).ToArray(),
            g.OrderBy(r => r.ContextLength).Select(r => r.Dependence.Spread).ToArray(), Markers: true)).ToArray(),
        new Axis("context length m", Log: true), new Axis("spread = mean ‖ΔW(x) − mean ΔW‖ / ‖mean ΔW‖", Min: 0));
}
