using Slt.Model;
using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// The exact, query-dependent context map of a softmax transformer (Dherin et al. 2025, arXiv 2507.16003, "learning
/// without training"): a block "contextual layer A, then a dense layer W" satisfies T_W(C, x) = T_{W+ΔW}(x) with the
/// rank-one update ΔW = (W ΔA) A(x)ᵀ / ‖A(x)‖², ΔA = A(C, x) − A(x), because (W + ΔW) A(x) = W A(x) + W ΔA = W A(C, x).
/// </summary>
/// <remarks>
/// <para>Here the dense layer is the first linear layer of the last block's MLP, W = <c>blocks.{L−1}.mlp.0.weight</c>
/// (H × d), and A is the MLP's normalized input LN(h) at the last position, where h = z + Attn(LN(z)) is the residual
/// stream after the last block's attention. A(C, x) is computed on C ⊕ x, A(x) on the stripped x. With W + ΔW the
/// MLP's hidden layer at x's last position equals the mother's, so the MLP's output does too.</para>
/// <para>The pre-norm block adds the MLP's output to the residual stream h, which also differs between C ⊕ x and x.
/// That difference, Δb = h(C ⊕ x) − h(x) at the last position, is absorbed into the MLP's output bias
/// <c>blocks.{L−1}.mlp.2.bias</c>: the last block's output at the last position is then h(x) + MLP + Δb =
/// h(C ⊕ x) + MLP, the mother's, and the final LayerNorm and unembedding act position by position, so
/// log p(· | C ⊕ x, w) = log p(· | x, w + (ΔW, Δb)) at the last position, exactly. Earlier blocks and the last block's
/// attention are untouched, so h(x) is the same in the daughter. Other positions of x are not claimed: the update is
/// built for the last one.</para>
/// <para>The update depends on x (through A(x), ΔA and Δb): it is a map (C, x) ↦ w', not a map C ↦ w'.
/// <see cref="QueryDependence"/> measures how much among queries of one task after one context. Compute in float64
/// (<see cref="ModelCopies.Copy"/>) for the identity to hold to rounding (≈ 1e-15).</para>
/// </remarks>
public sealed class RankOneContextUpdate : IDisposable
{
    private RankOneContextUpdate(Transformer model, ContextualQueries queries, Tensor deltaWeight, Tensor deltaBias,
        Tensor queryInput, Tensor contextInput)
    {
        Model = model;
        Queries = queries;
        DeltaWeight = deltaWeight;
        DeltaBias = deltaBias;
        QueryInput = queryInput;
        ContextInput = contextInput;
        int last = model.Config.Layers - 1;
        WeightName = $"blocks.{last}.mlp.0.weight";
        BiasName = $"blocks.{last}.mlp.2.bias";
    }

    /// <summary>The mother model w (not owned).</summary>
    public Transformer Model { get; }

    public ContextualQueries Queries { get; }

    /// <summary>ΔW for every query, [n, H, d].</summary>
    public Tensor DeltaWeight { get; }

    /// <summary>Δb = h(C ⊕ x) − h(x) at the last position for every query, [n, d].</summary>
    public Tensor DeltaBias { get; }

    /// <summary>A(x), the MLP's normalized input at x's last position, [n, d].</summary>
    public Tensor QueryInput { get; }

    /// <summary>A(C, x), the same at the last position of C ⊕ x, [n, d].</summary>
    public Tensor ContextInput { get; }

    /// <summary>The name of the updated weight, <c>blocks.{L−1}.mlp.0.weight</c>.</summary>
    public string WeightName { get; }

    /// <summary>The name of the bias that absorbs the residual stream, <c>blocks.{L−1}.mlp.2.bias</c>.</summary>
    public string BiasName { get; }

    /// <summary>Computes ΔW and Δb for every query of <paramref name="queries"/>, in the model's dtype and on its device.</summary>
    /// <exception cref="ArgumentException">The model's last block has no MLP, or the queries do not fit the model.</exception>
    public static RankOneContextUpdate Compute(Transformer model, ContextualQueries queries)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(queries);
        var block = model.Blocks[^1];
        if (!block.HasMlp) throw new ArgumentException("The model's last block has no MLP: the rank-one update needs a dense layer after attention.", nameof(model));
        if (queries.Truth.Vocabulary.Count != model.Config.VocabularySize || queries.ContextLength + queries.QueryLength > model.Config.ContextLength)
            throw new ArgumentException($"The queries (|S| = {queries.Truth.Vocabulary.Count}, m + T = {queries.ContextLength + queries.QueryLength}) do not fit the model (|S| = {model.Config.VocabularySize}, C = {model.Config.ContextLength}).", nameof(queries));
        var device = model.parameters().First().device;
        var weight = ModelCopies.Parameter(model, $"blocks.{model.Config.Layers - 1}.mlp.0.weight");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hContext = LastResidualBeforeMlp(model, queries.PrefixedTensor(device));
        var hQuery = LastResidualBeforeMlp(model, queries.StrippedTensor(device));
        var aContext = block.MlpInput(hContext);
        var aQuery = block.MlpInput(hQuery);
        var u = (aContext - aQuery).matmul(weight.t());                                  // W ΔA, [n, H]
        var norm2 = aQuery.square().sum(-1, keepdim: true);                              // ‖A(x)‖², [n, 1]
        var deltaWeight = u.unsqueeze(2).mul(aQuery.div(norm2).unsqueeze(1));           // [n, H, d]
        var deltaBias = hContext - hQuery;
        return new RankOneContextUpdate(model, queries,
            deltaWeight.MoveToOuterDisposeScope(), deltaBias.MoveToOuterDisposeScope(),
            aQuery.MoveToOuterDisposeScope(), aContext.MoveToOuterDisposeScope());
    }

    /// <summary>h at the last position after the last block's attention, [n, d].</summary>
    private static Tensor LastResidualBeforeMlp(Transformer model, Tensor windows)
    {
        var z = model.Embed(windows);
        var blocks = model.Blocks;
        for (int b = 0; b < blocks.Count - 1; b++) z = blocks[b].forward(z);
        return blocks[^1].AfterAttention(z).select(1, -1);
    }

    /// <summary>
    /// The daughter for query <paramref name="query"/>: a copy of the model at W + ΔW and, when
    /// <paramref name="absorbResidual"/>, b₂ + Δb. Without the absorption the identity fails by the residual stream's change.
    /// </summary>
    public Transformer Daughter(int query, bool absorbResidual = true)
    {
        CheckQuery(query);
        var daughter = ModelCopies.Copy(Model);
        using var noGrad = no_grad();
        ModelCopies.Parameter(daughter, WeightName).add_(DeltaWeight[query]);
        if (absorbResidual) ModelCopies.Parameter(daughter, BiasName).add_(DeltaBias[query]);
        return daughter;
    }

    /// <summary>max_y |log p(y | C ⊕ x_i, w) − log p(y | x_i, w + ΔW_i)| at the last position, for every query i.</summary>
    public double[] IdentityErrors(bool absorbResidual = true)
    {
        var errors = new double[Queries.Count];
        var device = Model.parameters().First().device;
        using var noGrad = no_grad();
        // One daughter whose two updated tensors are set to w + Δ_i for each query in turn (the same numbers as Daughter(i)).
        using var daughter = ModelCopies.Copy(Model);
        var weight = ModelCopies.Parameter(daughter, WeightName);
        var bias = ModelCopies.Parameter(daughter, BiasName);
        var motherWeight = ModelCopies.Parameter(Model, WeightName);
        var motherBias = ModelCopies.Parameter(Model, BiasName);
        using var prefixed = Queries.PrefixedTensor(device);
        using var stripped = Queries.StrippedTensor(device);
        using var mothers = Model.LogProbabilities(prefixed).select(1, -1);
        for (int i = 0; i < Queries.Count; i++)
        {
            using var scope = NewDisposeScope();
            weight.copy_(motherWeight + DeltaWeight[i]);
            bias.copy_(absorbResidual ? motherBias + DeltaBias[i] : motherBias);
            var child = daughter.LogProbabilities(stripped[TensorIndex.Slice(i, i + 1)]).select(1, -1);
            errors[i] = (mothers[i] - child[0]).abs().max().to_type(ScalarType.Float64).item<double>();
        }
        return errors;
    }

    /// <summary>σ₂/σ₁ of every ΔW_i (0 for an exactly rank-one matrix; rounding gives ≈ 1e-16 in float64).</summary>
    public double[] RankRatios()
    {
        using var scope = NewDisposeScope();
        var s = linalg.svdvals(DeltaWeight.to_type(ScalarType.Float64)).cpu();             // [n, min(H, d)]
        var ratios = new double[Queries.Count];
        for (int i = 0; i < ratios.Length; i++)
        {
            double s1 = s[i, 0].item<double>(), s2 = s[i, 1].item<double>();
            ratios[i] = s1 > 0 ? s2 / s1 : double.NaN;
        }
        return ratios;
    }

    /// <summary>How much the update depends on the query among the n queries after one context.</summary>
    public QueryDependence QueryDependence()
    {
        if (Queries.Count < 2) throw new InvalidOperationException("Query dependence needs at least two queries.");
        using var scope = NewDisposeScope();
        var w = DeltaWeight.to_type(ScalarType.Float64).flatten(1);
        var b = DeltaBias.to_type(ScalarType.Float64);
        var weight = ModelCopies.Parameter(Model, WeightName).to_type(ScalarType.Float64);
        var meanW = w.mean([0]);
        double meanNorm = meanW.norm().item<double>();
        return new QueryDependence(
            Spread(w), MeanPairwiseCosine(w, out double minCosine), minCosine, Spread(b),
            w.square().sum(1).sqrt().mean().item<double>() / weight.norm().item<double>(),
            meanNorm / weight.norm().item<double>());
    }

    /// <summary>mean_i ‖v_i − v̄‖ / ‖v̄‖ over the rows of <paramref name="rows"/>.</summary>
    public static double Spread(Tensor rows)
    {
        using var scope = NewDisposeScope();
        var mean = rows.mean([0]);
        double meanNorm = mean.norm().item<double>();
        return meanNorm > 0 ? (rows - mean).square().sum(1).sqrt().mean().item<double>() / meanNorm : double.PositiveInfinity;
    }

    /// <summary>The mean over pairs i &lt; j of cos(v_i, v_j) (Frobenius inner product), and its minimum.</summary>
    public static double MeanPairwiseCosine(Tensor rows, out double min)
    {
        using var scope = NewDisposeScope();
        var unit = rows / rows.square().sum(1, keepdim: true).sqrt();
        var gram = unit.matmul(unit.t()).cpu();
        int n = (int)rows.shape[0];
        double sum = 0;
        min = double.PositiveInfinity;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double c = gram[i, j].item<double>();
                sum += c;
                min = Math.Min(min, c);
            }
        return sum / (n * (n - 1) / 2.0);
    }

    private void CheckQuery(int query)
    {
        if (query < 0 || query >= Queries.Count) throw new ArgumentOutOfRangeException(nameof(query), query, $"query must be in [0, {Queries.Count}).");
    }

    public void Dispose()
    {
        DeltaWeight.Dispose();
        DeltaBias.Dispose();
        QueryInput.Dispose();
        ContextInput.Dispose();
    }
}

/// <summary>
/// The query dependence of the exact update among the queries x_1..x_n of one task after one context C.
/// </summary>
/// <param name="Spread">mean_i ‖ΔW(x_i) − ΔW̄‖_F / ‖ΔW̄‖_F, ΔW̄ = mean_i ΔW(x_i): 0 if the update does not depend on x.</param>
/// <param name="MeanCosine">The mean over pairs of the Frobenius cosine between ΔW(x_i) and ΔW(x_j): 1 if all point the same way.</param>
/// <param name="MinCosine">The least such cosine.</param>
/// <param name="BiasSpread">The same spread for the absorbed residual Δb(x_i).</param>
/// <param name="RelativeSize">mean_i ‖ΔW(x_i)‖_F / ‖W‖_F.</param>
/// <param name="MeanRelativeSize">‖ΔW̄‖_F / ‖W‖_F.</param>
public sealed record QueryDependence(double Spread, double MeanCosine, double MinCosine, double BiasSpread, double RelativeSize, double MeanRelativeSize);
