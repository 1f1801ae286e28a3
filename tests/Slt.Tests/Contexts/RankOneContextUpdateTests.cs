using Slt.Contexts;
using Slt.Model;
using static TorchSharp.torch;

namespace Slt.Tests.Contexts;

/// <summary>
/// The exact query-dependent update at the last MLP (Dherin et al. 2025): in float64 the daughter at w + (ΔW, Δb)
/// reproduces the mother's last-position prediction with the context to rounding, ΔW has rank one, and both halves of
/// the construction are needed.
/// </summary>
public sealed class RankOneContextUpdateTests
{
    public static TheoryData<string, long> Models => new() { { "random", 1 }, { "random", 2 }, { "random-1-layer", 3 }, { "trained", 0 } };

    private static Transformer Model(string kind, long seed) => kind switch
    {
        "random" => ContextModels.Random(seed, dtype: ScalarType.Float64),
        "random-1-layer" => ContextModels.Random(seed, layers: 1, dtype: ScalarType.Float64),
        _ => ModelCopies.Copy(ContextModels.Trained, ScalarType.Float64),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void TheDaughterReproducesTheMotherWithContextToRoundingAndTheUpdateIsRankOne(string kind, long seed)
    {
        using var model = Model(kind, seed);
        var truth = ContextModels.Truth;
        foreach (int task in ContextualQueries.MostFrequentTaskPerFamily(truth))
            foreach (var (m, t) in new[] { (1, 6), (5, 3), (12, 12) })
            {
                var data = ContextualQueries.Draw(truth, task, m, t, 5, seed: 10 + seed);
                using var update = RankOneContextUpdate.Compute(model, data);
                Assert.Equal(new long[] { 5, model.Config.MlpHidden, model.Config.ModelDimension }, update.DeltaWeight.shape);
                var errors = update.IdentityErrors();
                Assert.All(errors, e => Assert.True(e <= 1e-9, $"{kind}, task {task}, m = {m}: identity error {e:E2}"));
                // Rank one: σ₂/σ₁ at rounding level, and the update is not zero.
                Assert.All(update.RankRatios(), r => Assert.True(r < 1e-12, $"σ₂/σ₁ = {r:E2}"));
                Assert.True(update.DeltaWeight.abs().max().item<double>() > 1e-6);
                // Power: without absorbing the residual stream's change into the bias the identity fails by far.
                var without = update.IdentityErrors(absorbResidual: false);
                Assert.All(without, e => Assert.True(e > 1e-3, $"without the bias absorption the error is only {e:E2}"));
            }
    }

    [Fact]
    public void TheUpdateIsTheStatedRankOneFormula()
    {
        // (W + ΔW) A(x) = W A(C, x), ΔW = (W ΔA) A(x)ᵀ/‖A(x)‖²: checked on the returned A's, and ΔW's row space is A(x).
        using var model = ContextModels.Random(4, dtype: ScalarType.Float64);
        var data = ContextualQueries.Draw(ContextModels.Truth, 0, 6, 5, 4, seed: 3);
        using var update = RankOneContextUpdate.Compute(model, data);
        var w = ModelCopies.Parameter(model, "blocks.1.mlp.0.weight");
        for (int i = 0; i < data.Count; i++)
        {
            using var scope = NewDisposeScope();
            var a = update.QueryInput[i];
            var ac = update.ContextInput[i];
            var lhs = (w + update.DeltaWeight[i]).matmul(a);
            Assert.True((lhs - w.matmul(ac)).abs().max().item<double>() < 1e-12);
            var expected = w.matmul(ac - a).outer(a).div(a.dot(a));
            Assert.True((update.DeltaWeight[i] - expected).abs().max().item<double>() < 1e-14);
            // A(C, x) ≠ A(x): the context does change the MLP's input.
            Assert.True((ac - a).abs().max().item<double>() > 1e-3);
        }
    }

    [Fact]
    public void OneQuerysUpdateDoesNotServeAnotherQuery()
    {
        // The update is a map (C, x) ↦ w', not C ↦ w': the daughter built for x_0 misses the mother on x_1.
        using var model = ModelCopies.Copy(ContextModels.Trained, ScalarType.Float64);
        var data = ContextualQueries.Draw(ContextModels.Truth, 0, 8, 6, 6, seed: 4);
        using var update = RankOneContextUpdate.Compute(model, data);
        using var daughter = update.Daughter(0);
        using var noGrad = no_grad();
        for (int j = 1; j < data.Count; j++)
        {
            using var scope = NewDisposeScope();
            var mother = model.LogProbabilities(data.PrefixedTensor()[TensorIndex.Slice(j, j + 1)]).select(1, -1);
            var child = daughter.LogProbabilities(data.StrippedTensor()[TensorIndex.Slice(j, j + 1)]).select(1, -1);
            double error = (mother - child).abs().max().item<double>();
            Assert.True(error > 1e-4, $"query {j}: the daughter of query 0 matches it to {error:E2}");
        }
        Assert.True(update.QueryDependence().Spread > 0.1);
    }

    [Fact]
    public void SpreadAndCosinesHaveTheirDefinitions()
    {
        // Identical rows: no spread, cosine 1. Rows ±v around a mean u ⟂ v: spread ‖v‖/‖u‖, cosine (‖u‖² − ‖v‖²)/(‖u‖² + ‖v‖²).
        using var same = tensor(new double[] { 1, 2, 3, 1, 2, 3, 1, 2, 3 }, [3, 3]);
        Assert.Equal(0, RankOneContextUpdate.Spread(same), 12);
        Assert.Equal(1, RankOneContextUpdate.MeanPairwiseCosine(same, out double min), 12);
        Assert.Equal(1, min, 12);
        using var pm = tensor(new double[] { 3, 1, 0, 3, -1, 0 }, [2, 3]); // u = (3, 0, 0), v = (0, 1, 0)
        Assert.Equal(1.0 / 3, RankOneContextUpdate.Spread(pm), 12);
        Assert.Equal((9.0 - 1) / (9 + 1), RankOneContextUpdate.MeanPairwiseCosine(pm, out _), 12);
    }

    [Fact]
    public void AModelWithoutAnMlpIsRefused()
    {
        var config = ContextModels.Small() with { Mlp = false };
        using var model = new Transformer(config, 1);
        var data = ContextualQueries.Draw(ContextModels.Truth, 0, 2, 2, 2, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => RankOneContextUpdate.Compute(model, data));
        Assert.Contains("MLP", e.Message);
    }
}
