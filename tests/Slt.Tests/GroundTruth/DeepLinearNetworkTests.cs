using Slt.Sampling;
using Slt.GroundTruth;
using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Tests.GroundTruth;

public sealed class DeepLinearNetworkTests
{
    [Theory]
    [InlineData(new[] { 5, 3, 5 }, 0, 6.5, 2)]
    [InlineData(new[] { 5, 4, 5 }, 0, 8.0, 1)]
    [InlineData(new[] { 5, 2, 5 }, 0, 4.5, 1)]
    [InlineData(new[] { 2, 3, 2 }, 1, 2.0, 1)]
    [InlineData(new[] { 10, 20, 20, 10 }, 0, 50.0, 1)]
    public void AoyagiFormulaReproducesPublishedTable(int[] widths, int rank, double lambda, int multiplicity)
    {
        var c = DeepLinearNetworkCoefficient.Compute(widths, rank);
        Assert.Equal(lambda, c.Lambda, 9);
        Assert.Equal(multiplicity, c.Multiplicity);
    }

    [Fact]
    public void AnyDepthFormulaAgreesWithTwoLayerFormulaEverywhere()
    {
        for (int m = 1; m <= 7; m++)
            for (int h = 1; h <= 7; h++)
                for (int n = 1; n <= 7; n++)
                    for (int r = 0; r <= Math.Min(m, Math.Min(h, n)); r++)
                    {
                        var general = DeepLinearNetworkCoefficient.Compute([m, h, n], r);
                        var two = DeepLinearNetworkCoefficient.ReducedRankRegression(m, h, n, r);
                        Assert.True(Math.Abs(general.Lambda - two.Lambda) < 1e-9 && general.Multiplicity == two.Multiplicity,
                            $"[{m},{h},{n}] r={r}: any-depth {general}, two-layer {two}");
                    }
    }

    [Fact]
    public void SufficientStatisticLossEqualsDirectMeanAndGradientEqualsAutograd()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        using var target = new DeepLinearNetworkTarget([3, 2, 2, 4], rank: 1, n: 500, seed: 3);
        using var group = target.CreateGroup(3);
        using (no_grad())
            foreach (var p in group.Parameters) p.add_(randn(p.shape, dtype: ScalarType.Float64, generator: new Generator(5)) * 0.3);
        var full = group.Loss(null);
        var direct = group.Loss(arange(500, dtype: ScalarType.Int64));
        Assert.True(full.allclose(direct, rtol: 1e-10, atol: 1e-12), "full-batch and per-point losses differ");
        var autograd = TorchSharp.torch.autograd.grad([full.sum()], group.Parameters.ToArray());
        var (loss, closed) = group.LossAndGradient(null)!.Value;
        Assert.True(loss.allclose(full.detach(), rtol: 1e-12));
        for (int j = 0; j < closed.Length; j++) Assert.True(closed[j].allclose(autograd[j], rtol: 1e-9, atol: 1e-12), $"B{j + 1}");
    }

    /// <summary>Chain c of the replicated target sees sample ⌊c/k⌋ and nothing else: its loss, closed-form gradient and
    /// per-point losses equal those of that seed's own target at the same weights, and its w* is that sample's w*.</summary>
    [Theory]
    [InlineData(OptimumKind.TrueParameter)]
    [InlineData(OptimumKind.FittedToSample)]
    public void ReplicatedChainsEachSeeTheirOwnSample(OptimumKind optimum)
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        int[] widths = optimum == OptimumKind.FittedToSample ? [3, 2] : [3, 2, 4];
        long[] seeds = [3, 8, 21];
        using var replicates = new DeepLinearNetworkReplicates(widths, 200, seeds, chainsPerSample: 2, optimum);
        using var group = replicates.CreateGroup(6);
        using (no_grad())
            foreach (var p in group.Parameters) p.add_(randn(p.shape, dtype: ScalarType.Float64, generator: new Generator(9)) * 0.3);
        var (loss, gradients) = group.LossAndGradient(null)!.Value;
        var pointwise = group.PointwiseLoss()!;
        for (int c = 0; c < 6; c++)
        {
            using var single = new DeepLinearNetworkTarget(widths, 0, 200, seeds[c / 2], optimum: optimum);
            using var own = single.CreateGroup(1);
            using (no_grad())
                for (int j = 0; j < own.Parameters.Count; j++)
                {
                    Assert.True(group.Optimum[j][c].allclose(own.Optimum[j], rtol: 1e-12, atol: 1e-14), $"w* of chain {c}, B{j + 1}");
                    own.Parameters[j].copy_(group.Parameters[j][c].unsqueeze(0));
                }
            var (ownLoss, ownGradients) = own.LossAndGradient(null)!.Value;
            Assert.Equal(ownLoss.item<double>(), loss[c].item<double>(), 10);
            for (int j = 0; j < ownGradients.Length; j++) Assert.True(gradients[j][c].allclose(ownGradients[j][0], rtol: 1e-10, atol: 1e-12), $"chain {c}, B{j + 1}");
            Assert.True(pointwise[c].allclose(own.PointwiseLoss()![0], rtol: 1e-12, atol: 1e-12), $"per-point losses of chain {c}");
        }
        Assert.Equal([1.5, 3.5, 5.5], replicates.PerSample([1, 2, 3, 4, 5, 6]));
        Assert.Throws<ArgumentException>(() => replicates.CreateGroup(5));
        Assert.Throws<InvalidOperationException>(() => group.Loss(arange(10, dtype: ScalarType.Int64)));
    }

    [Fact]
    public void TeacherOfRankRIsTheProductAtWStar()
    {
        TorchRuntime.Initialize();
        using var target = new DeepLinearNetworkTarget([4, 3, 5], rank: 2, n: 100, seed: 1, source: LossSource.Population);
        Assert.Equal(2L, linalg.matrix_rank(target.Teacher).item<long>());
        using var group = target.CreateGroup(1);
        Assert.Equal(5 / 2.0, group.Loss(null).item<double>(), 9); // population loss at the teacher: ½ E‖ξ‖² = N/2
    }

    [Fact]
    public void InvalidWidthsAndRankAreRejectedByName()
    {
        Assert.Equal("rank", Assert.Throws<ArgumentOutOfRangeException>(() => DeepLinearNetworkCoefficient.Compute([5, 2, 5], 3)).ParamName);
        Assert.Equal("widths", Assert.Throws<ArgumentException>(() => new DeepLinearNetworkTarget([5], 0, 100)).ParamName);
    }

    [Fact]
    public void OneLayerIsRegularLinearRegressionWithTheTeachersRank()
    {
        TorchRuntime.Initialize();
        using var target = new DeepLinearNetworkTarget([5, 4], 2, 1000, seed: 3);
        Assert.Equal(2L, linalg.matrix_rank(target.Teacher).item<long>());
        Assert.Equal(new LearningCoefficient(10, 1), target.TrueCoefficient); // d/2 = 5·4/2
        using var group = target.CreateGroup(2);
        Assert.Equal(new long[] { 2, 4, 5 }, group.Parameters[0].shape);
        using var pointwise = group.PointwiseLoss()!;
        Assert.Equal(new long[] { 2, 1000 }, pointwise.shape);
        // Σ_i ℓ_i(w) = n L_n(w): the per-point losses add up to the full-batch loss.
        Assert.Equal(1000 * group.Loss(null)[0].item<double>(), pointwise[0].sum().item<double>(), 6);
    }
}
