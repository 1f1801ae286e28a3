using Slt.Contexts;
using Slt.Model;
using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Contexts;

/// <summary>
/// The degeneracy of the exact linear-attention map: rank ∂M_C/∂w against the dimension of the determinantal variety
/// it parametrizes (computed independently from the tangent space at M_C(w)), the blocks C does not use having exactly
/// zero columns, and rank dF_C = dim W − m d from the full Jacobian of F_C.
/// </summary>
public sealed class ContextMapDegeneracyTests
{
    private static Transformer Random(TransformerConfig config, long seed)
    {
        var model = new Transformer(config);
        model.to(ScalarType.Float64);
        model.eval();
        LinearContextIdentity.DrawWeights(model, seed);
        return model;
    }

    private static TransformerConfig Small(int d, int heads) =>
        new(VocabularySize: 15, ContextLength: 12, ModelDimension: d, Layers: 1, Heads: heads, Attention: AttentionKind.Linear);

    /// <summary>
    /// The dimension of the tangent space at X of the variety of d × d matrices of rank ≤ R = rank X, built from X alone:
    /// the span of U Aᵀ-type and B Vᵀ-type directions {u_a e_jᵀ, e_i v_aᵀ} for the top-R singular vectors.
    /// </summary>
    private static int TangentDimensionAt(Tensor x)
    {
        using var scope = NewDisposeScope();
        int d = (int)x.shape[0];
        int r = ContextMapDegeneracy.NumericalRank(x, null);
        var (u, _, vh) = linalg.svd(x);
        var directions = new List<Tensor>();
        var basis = eye(d, dtype: ScalarType.Float64);
        for (int a = 0; a < r; a++)
            for (int j = 0; j < d; j++)
            {
                directions.Add(u[.., a].outer(basis[j]).reshape(-1));
                directions.Add(basis[j].outer(vh[a]).reshape(-1));
            }
        return ContextMapDegeneracy.NumericalRank(stack(directions), null);
    }

    [Theory]
    [InlineData(6, 2, 1)]  // d_h = 3: R = 2, rank 20 < d² = 36
    [InlineData(6, 2, 2)]  // R = 4, rank 32
    [InlineData(6, 2, 5)]  // R = 6: full, 36
    [InlineData(6, 3, 1)]  // d_h = 2: R = 3, rank 27
    [InlineData(6, 1, 3)]  // d_h = 6: R = 3, rank 27
    [InlineData(8, 2, 2)]  // d_h = 4: R = 4, rank 48 < 64
    public void RankIsTheDimensionOfTheProductVariety(int d, int heads, int m)
    {
        TorchRuntime.Initialize();
        for (long seed = 1; seed <= 2; seed++)
        {
            using var mother = Random(Small(d, heads), seed);
            var context = Enumerable.Range(0, m).Select(i => (3 * i + (int)seed) % 15).ToArray();
            var r = ContextMapDegeneracy.Measure(mother, context);
            int bigR = Math.Min(heads * Math.Min(m, d / heads), d);
            Assert.Equal(bigR, r.IncrementRank[0]);                       // M_C(w) lies on the rank-≤R variety, generically of rank R
            Assert.Equal(bigR * (2 * d - bigR), r.GenericRank);
            using var scope = NewDisposeScope();
            var increment = new LinearContextMap(mother.Config, context).Increment(LinearContextMap.WeightsOf(mother))[0].detach();
            Assert.Equal(TangentDimensionAt(increment), r.Rank);         // rank J = dim of the variety's tangent space at M_C(w)
            Assert.Equal(r.GenericRank, r.Rank);
            Assert.Equal(d * d, r.OutputDimension);
            Assert.True(r.SmallestNonzeroSingularValue > 1e6 * Math.Max(r.LargestNullSingularValue, 1e-300), $"no clear gap: {r.SmallestNonzeroSingularValue:E2} vs {r.LargestNullSingularValue:E2}");
            Assert.Equal(d * d, r.SingularValues.Length);
        }
    }

    [Fact]
    public void BlocksTheContextDoesNotReachHaveExactlyZeroColumns()
    {
        TorchRuntime.Initialize();
        using var mother = Random(Small(6, 2), 3);
        int[] context = [4, 9, 4, 2];
        var r = ContextMapDegeneracy.Measure(mother, context);
        var blocks = r.Blocks.ToDictionary(b => b.Name);
        var fibres = new[] { "blocks.0.mlp.0.weight", "blocks.0.mlp.0.bias", "blocks.0.mlp.2.weight", "blocks.0.mlp_norm.weight", "final_norm.bias",
            "unembedding.weight", "unembedding.bias", "blocks.0.attention.context_map.weight", "token_embedding.weight[12 tokens not in C]",
            "position_embedding.weight[positions 4..11]" };
        foreach (var name in fibres)
        {
            Assert.True(blocks.ContainsKey(name), $"no block {name}: {string.Join(", ", blocks.Keys)}");
            Assert.True(blocks[name].IsFibre && blocks[name].Norm == 0.0, $"{name} has nonzero columns");
        }
        var used = new[] { "token_embedding.weight[3 tokens in C]", "position_embedding.weight[positions 0..3]" }
            .Concat(Enumerable.Range(0, 2).SelectMany(h => Transformer.HeadParameterNames(0, h)));
        foreach (var name in used)
            Assert.True(blocks[name].NonzeroColumns == blocks[name].Columns && blocks[name].Norm > 0, $"{name} should be reached by C");
        Assert.Equal(3 * 6 + 4 * 6 + 2 * 4 * 3 * 6, r.NonzeroColumns);
        Assert.Equal(mother.ParameterCount, r.Blocks.Sum(b => b.Columns));
        Assert.Equal(mother.ParameterCount - r.Rank, r.IncrementKernel);
        Assert.Equal(r.Blocks.Count, r.BlockTable().Rows.Count);
        Assert.Equal(1, ContextMapDegeneracy.Table([r]).Rows.Count);
        Assert.Equal(2, ContextMapDegeneracy.SingularValueFigure([r]).Traces.Count);
    }

    /// <summary>rank dF_C = dim W − m d: the full Jacobian of w ↦ F_C(w) by autograd on a tiny model.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void FullMapLosesExactlyTheContextsPositionRows(int m)
    {
        TorchRuntime.Initialize();
        var config = new TransformerConfig(VocabularySize: 5, ContextLength: 6, ModelDimension: 4, Layers: 1, Heads: 2, Mlp: false, LayerNorm: false,
            Attention: AttentionKind.Linear);
        using var mother = Random(config, 8);
        using var scope = NewDisposeScope();
        var map = new LinearContextMap(config, Enumerable.Range(0, m).Select(i => (i * 2) % 5).ToArray());
        var w = LinearContextMap.WeightsOf(mother);
        var names = w.Keys.OrderBy(k => k).ToArray();
        var inputs = names.Select(n => w[n]).ToArray();
        var mapped = map.Apply(w);
        var output = cat(names.Select(n => mapped[n].reshape(-1)).ToArray());
        var rows = new List<Tensor>();
        for (int k = 0; k < output.shape[0]; k++)
        {
            var g = autograd.grad([output[k]], inputs, retain_graph: true, allow_unused: true);
            rows.Add(cat(g.Select((t, i) => t is { IsInvalid: false } ? t.reshape(-1) : zeros(inputs[i].numel(), dtype: ScalarType.Float64)).ToArray()));
        }
        int rank = ContextMapDegeneracy.NumericalRank(stack(rows), null);
        var r = ContextMapDegeneracy.Measure(mother, map.Context);
        Assert.Equal(mother.ParameterCount - m * 4, rank);
        Assert.Equal(rank, r.MapRank);
    }

    [Fact]
    public void SoftmaxModelIsRefused()
    {
        TorchRuntime.Initialize();
        using var softmax = new Transformer(Small(6, 2) with { Attention = AttentionKind.Softmax });
        Assert.Contains("only for linear attention", Assert.Throws<ArgumentException>(() => ContextMapDegeneracy.Measure(softmax, [1])).Message);
    }
}
