using Microsoft.Data.Analysis;
using Slt.Model;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// One check of p(· | C ⊕ x, w) = p(· | x, F_C(w)) (<see cref="LinearContextMap"/>): the worst absolute difference of
/// the log-probabilities over a batch of queries, every query position and every next token, and the same for the two
/// wrong maps that each leave out one part of F_C (no increment D + M_C; no positional shift). Those two must be far
/// from zero for the check to have power.
/// </summary>
/// <param name="Weights">Which weights (e.g. "random, seed 3" or "trained").</param>
/// <param name="Layers">L.</param>
/// <param name="ContextLength">m = |C|.</param>
/// <param name="QueryLength">|x|.</param>
/// <param name="Queries">How many queries (the batch).</param>
/// <param name="Error">max |log p(· | C ⊕ x, w) − log p(· | x, F_C(w))| at x's positions.</param>
/// <param name="ErrorWithoutIncrement">The same with D left as it is (only the shift).</param>
/// <param name="ErrorWithoutShift">The same with the positional table left as it is (only the increment).</param>
public sealed record LinearIdentityCase(
    string Weights, int Layers, int ContextLength, int QueryLength, int Queries,
    double Error, double ErrorWithoutIncrement, double ErrorWithoutShift);

/// <summary>
/// Checks of the exact linear-attention identity over weights, contexts and queries: the worst error, the smallest
/// error of a wrong map (the check's power), and the cases as a table.
/// </summary>
public sealed record LinearContextIdentity(IReadOnlyList<LinearIdentityCase> Cases)
{
    /// <summary>The largest error over all cases.</summary>
    public double WorstError => Cases.Max(c => c.Error);

    /// <summary>The smallest error of either wrong map over all cases: how far a map missing one part is at least.</summary>
    public double SmallestAblationError => Cases.Min(c => Math.Min(c.ErrorWithoutIncrement, c.ErrorWithoutShift));

    /// <summary>One row per case.</summary>
    public DataFrame ToDataFrame() => new(
        new StringDataFrameColumn("weights", Cases.Select(c => c.Weights)),
        new PrimitiveDataFrameColumn<int>("layers", Cases.Select(c => c.Layers)),
        new PrimitiveDataFrameColumn<int>("m", Cases.Select(c => c.ContextLength)),
        new PrimitiveDataFrameColumn<int>("query_length", Cases.Select(c => c.QueryLength)),
        new PrimitiveDataFrameColumn<int>("queries", Cases.Select(c => c.Queries)),
        new DoubleDataFrameColumn("error", Cases.Select(c => c.Error)),
        new DoubleDataFrameColumn("error_without_increment", Cases.Select(c => c.ErrorWithoutIncrement)),
        new DoubleDataFrameColumn("error_without_shift", Cases.Select(c => c.ErrorWithoutShift)));

    /// <summary>All cases of several checks.</summary>
    public static LinearContextIdentity Combine(params LinearContextIdentity[] checks) => new(checks.SelectMany(c => c.Cases).ToList());

    /// <summary>
    /// Compares the mother on C ⊕ x with the daughter at F_C(w) on x, for the queries <paramref name="queries"/>
    /// (int64 [B, |x|]). Both run in the mother's dtype: use float64 for an exact check.
    /// </summary>
    /// <exception cref="ArgumentException">m + |x| exceeds the model's context length, or the queries are not [B, |x|].</exception>
    public static LinearIdentityCase Compare(Transformer mother, IReadOnlyList<int> context, Tensor queries, string weights)
    {
        ArgumentNullException.ThrowIfNull(mother);
        if (queries.dim() != 2 || queries.shape[1] < 1)
            throw new ArgumentException($"queries must be [B, |x|] with |x| ≥ 1; got shape [{string.Join(", ", queries.shape)}].", nameof(queries));
        var map = new LinearContextMap(mother.Config, context);
        int m = map.Length, q = (int)queries.shape[1], b = (int)queries.shape[0];
        if (q > map.MaxQueryLength)
            throw new ArgumentException(
                $"m + |x| = {m} + {q} = {m + q} exceeds the context length C = {mother.Config.ContextLength}: the prefixed input does not fit the model.", nameof(queries));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = mother.parameters().First().device;
        var x = queries.to(ScalarType.Int64, device);
        var prefix = tensor(context.Select(t => (long)t).ToArray(), dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(b, m);
        var motherLogP = mother.LogProbabilities(cat([prefix, x], 1)).narrow(1, m, q);
        double ErrorOf(bool increment, bool shift)
        {
            using var daughter = map.Daughter(mother, increment, shift);
            return (motherLogP - daughter.LogProbabilities(x)).abs().max().to_type(ScalarType.Float64).item<double>();
        }
        return new LinearIdentityCase(weights, mother.Config.Layers, m, q, b,
            ErrorOf(true, true), ErrorOf(false, true), ErrorOf(true, false));
    }

    /// <summary>
    /// Random contexts and queries: <paramref name="contexts"/> contexts of uniformly random tokens, lengths m spread over
    /// 1..C−1, each with <paramref name="queries"/> random queries of one random length in 1..C−m.
    /// </summary>
    public static LinearContextIdentity RandomCases(Transformer mother, string weights, int contexts, int queries, long seed)
    {
        if (contexts < 1) throw new ArgumentOutOfRangeException(nameof(contexts), contexts, "contexts must be at least 1.");
        if (queries < 1) throw new ArgumentOutOfRangeException(nameof(queries), queries, "queries must be at least 1.");
        int c = mother.Config.ContextLength, v = mother.Config.VocabularySize;
        var rng = DeterministicRandom.ForStream(seed, "linear-identity");
        var cases = new List<LinearIdentityCase>();
        for (int i = 0; i < contexts; i++)
        {
            // Spread m over 1..C−1: the first context is one token, the last the longest (one query token left).
            int m = contexts == 1 ? 1 + rng.NextInt(c - 1) : 1 + (int)Math.Round((double)i * (c - 2) / (contexts - 1));
            var context = Enumerable.Range(0, m).Select(_ => rng.NextInt(v)).ToArray();
            int q = 1 + rng.NextInt(c - m);
            var x = new long[queries * q];
            for (int j = 0; j < x.Length; j++) x[j] = rng.NextInt(v);
            using var xs = tensor(x, [queries, q], dtype: ScalarType.Int64);
            cases.Add(Compare(mother, context, xs, weights));
        }
        return new LinearContextIdentity(cases);
    }

    /// <summary>
    /// Contexts and queries cut from windows of the corpus: for each m in <paramref name="contextLengths"/>, window
    /// t_1..t_C gives C = t_1..t_m and x = t_{m+1}..t_C (a context and a query of the same task stream).
    /// </summary>
    public static LinearContextIdentity WindowCases(Transformer mother, string weights, WindowSample windows, IReadOnlyList<int> contextLengths)
    {
        if (windows.ContextLength != mother.Config.ContextLength)
            throw new ArgumentException($"The windows have length {windows.ContextLength}, the model C = {mother.Config.ContextLength}.", nameof(windows));
        var cases = new List<LinearIdentityCase>();
        foreach (int m in contextLengths)
        {
            if (m < 1 || m >= windows.ContextLength)
                throw new ArgumentOutOfRangeException(nameof(contextLengths), m, $"context lengths must be in [1, {windows.ContextLength - 1}].");
            for (int w = 0; w < windows.Count; w++)
            {
                var window = windows.Window(w);
                var context = window[..m].ToArray();
                using var x = tensor(window[m..].ToArray().Select(t => (long)t).ToArray(), [1, windows.ContextLength - m], dtype: ScalarType.Int64);
                cases.Add(Compare(mother, context, x, weights));
            }
        }
        return new LinearContextIdentity(cases);
    }

    /// <summary>
    /// Redraws every weight of <paramref name="model"/> at a scale where each part of the map matters (the training
    /// initialisation, N(0, 0.02²), makes the attention terms so small that a wrong increment could pass a 1e-10 check):
    /// embedding rows and the context maps N(0, s²/d), other matrices N(0, s²/fan-in), biases N(0, (0.1 s)²), norm gains
    /// 1 + N(0, 0.1²). Deterministic for a seed.
    /// </summary>
    public static void DrawWeights(Transformer model, long seed, double scale = 1.0)
    {
        if (!(scale > 0) || double.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be positive and finite.");
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        double d = model.Config.ModelDimension;
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.Contains("_norm.") && name.EndsWith(".weight")) p.normal_(1.0, 0.1, generator);
            else if (name.EndsWith(".bias")) p.normal_(0.0, 0.1 * scale, generator);
            else if (name.Contains("embedding") || name.Contains("context_map")) p.normal_(0.0, scale / Math.Sqrt(d), generator);
            else p.normal_(0.0, scale / Math.Sqrt(p.shape[1]), generator);
        }
    }
}
