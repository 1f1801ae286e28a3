using Slt.Platform;
using Slt.Sampling;
using Slt.Transitions;
using TorchSharp;
using Xunit.Abstractions;

namespace Slt.Tests.Transitions;

/// <summary>
/// The susceptibility χ = dE_h[φ]/dh = −nβ Cov_0[φ, L_{q'} − L_q]: the closed-form Gaussian case (derivative, covariance
/// form and finite difference agree; SGLD through the sampler's draw observables meets the exact χ within standard
/// errors over seeds, and the wrong variants — sign, nβ, covariance with L_{q'} — are rejected), and the transformer
/// pipeline's invariances on a tiny model.
/// </summary>
public sealed class SusceptibilityTests(ITestOutputHelper output)
{
    [Fact]
    public void DerivativeCovarianceFormAndFiniteDifferenceAgree()
    {
        var g = GaussianShift.Default;
        foreach (var block in new int[]?[] { null, [0], [1, 2] })
        {
            double exact = g.ExactSusceptibility(block);
            Assert.Equal(exact, g.ExactCovarianceForm(block), 10);
            Assert.Equal(exact, g.FiniteDifference(1e-4, block), 6);
            output.WriteLine($"block {(block is null ? "all" : string.Join(",", block))}: χ = {exact:F6}, covariance form {g.ExactCovarianceForm(block):F6}, finite difference {g.FiniteDifference(1e-4, block):F6}");
        }
        // Coordinates are independent: a block's χ is the sum of its coordinates', and the blocks add up to the whole.
        Assert.Equal(g.ExactSusceptibility(), g.ExactSusceptibility([0]) + g.ExactSusceptibility([1, 2]), 12);
        Assert.Throws<ArgumentException>(() => g.ExactSusceptibility([3]));
        Assert.Throws<ArgumentException>(() => g.ExactSusceptibility([1, 1]));
        Assert.Throws<ArgumentException>(() => new GaussianShift(10, 4, [0], [1, 2], [0], [1], [0]));
        Assert.Throws<ArgumentException>(() => new GaussianShift(10, 4, [0], [-1], [0], [1], [0]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(new[] { 1, 2 })]
    public void SgldEstimateMeetsTheExactSusceptibility(int[]? block)
    {
        TorchRuntime.Initialize(1);
        var check = GaussianSusceptibilityCheck.Run(seeds: 3, block: block);
        foreach (var s in check.Seeds)
            output.WriteLine($"seed {s.Seed}: χ̂ = {s.Estimate.Chi:F5} ± {s.Estimate.StandardError:F5} (z = {s.Estimate.ZScore(check.Exact):F2}); without nβ {s.WithoutNBeta:F5}, against L_q' {s.AgainstShiftedLoss:F5}; {s.Seconds:F1} s");
        output.WriteLine($"exact χ = {check.Exact:F5}; mean χ̂ = {check.MeanEstimate:F5} ± {check.MeanStandardError:F5}, z = {check.ZScore:F2}");
        foreach (var s in check.Seeds)
        {
            Assert.True(Math.Abs(s.Estimate.ZScore(check.Exact)) < 3.5, $"seed {s.Seed}: z = {s.Estimate.ZScore(check.Exact):F2}");
            // The test's power: each wrong variant is many standard errors away.
            Assert.True(Math.Abs(-s.Estimate.Chi - check.Exact) > 6 * s.Estimate.StandardError, "a flipped sign would pass");
            Assert.True(Math.Abs(s.WithoutNBeta - check.Exact) > 6 * s.Estimate.StandardError, "a missing nβ would pass");
            Assert.True(Math.Abs(s.AgainstShiftedLoss - check.Exact) > 6 * s.Estimate.StandardError, "Cov[φ, L_q'] would pass");
        }
        Assert.True(Math.Abs(check.ZScore) < 3, $"mean z = {check.ZScore:F2}");
    }

    [Fact]
    public void EstimatorIsMinusNBetaTimesTheCovariance()
    {
        // Two chains of 4 draws: φ = (1, 2, 3, 4), (2, 2, 2, 2); ΔL = φ. Pooled mean 2.25; Σ(φ − φ̄)² = 5.5; Cov = 5.5 / 7.
        double[][] phi = [[1, 2, 3, 4], [2, 2, 2, 2]];
        var v = SusceptibilityEstimator.Estimate(3, phi, phi, batchesPerChain: 2);
        Assert.Equal(-3 * 5.5 / 7, v.Chi, 12);
        Assert.Equal(4, v.Batches);
        Assert.True(v.StandardError > 0);
        Assert.Equal(0.0, SusceptibilityEstimator.Estimate(3, phi, [[0, 0, 0, 0], [0, 0, 0, 0]], 2).Chi);
        Assert.Throws<ArgumentException>(() => SusceptibilityEstimator.Estimate(3, phi, [[1, 2, 3]], 2));
        Assert.Throws<ArgumentException>(() => SusceptibilityEstimator.Estimate(0, phi, phi, 2));
        Assert.Throws<ArgumentException>(() => SusceptibilityEstimator.Estimate(3, phi, phi, 5));
        Assert.Throws<ArgumentException>(() => SusceptibilityEstimator.Estimate(3, [[1, double.NaN, 3, 4]], [[1, 2, 3, 4]], 2));
    }
}

/// <summary>The transformer pipeline on a tiny model: exact invariances of the recorded cells and the shifts.</summary>
public sealed class TransformerSusceptibilityTests(ITestOutputHelper output)
{
    private static readonly Slt.Truth.CorpusSpec Corpus = Slt.Truth.CorpusSpec.Default with { TasksPerFamily = 4, ContextLength = 8 };

    private static SgldSettings Settings(int parallel) => new()
    {
        StepSize = 1e-4, Localization = 100, Chains = 2, BurnIn = 20, Draws = 8, StepsBetweenDraws = 2, BatchSize = 4,
        DrawLoss = DrawLoss.MiniBatchExcess, MalaEvery = 10, Seed = 5, ParallelGroups = parallel,
    };

    private static (Slt.Model.Transformer Model, Slt.Truth.FamilyPartition Partition) Tiny()
    {
        var model = new Slt.Model.Transformer(new Slt.Model.TransformerConfig(new Slt.Truth.Vocabulary(Corpus).Count, Corpus.ContextLength, ModelDimension: 8, Layers: 1, Heads: 2), seed: 3);
        model.to(TorchSharp.torch.ScalarType.Float64);
        model.eval();
        var partition = Slt.Truth.FamilyPartition.Of(new Slt.Truth.CorpusGenerator(new Slt.Truth.TrueDistribution(Corpus)).Sample(40, 4));
        return (model, partition);
    }

    [Fact]
    public void ShiftsObeyTheirExactIdentities()
    {
        TorchRuntime.Initialize(1);
        var (model, partition) = Tiny();
        using var _ = model;
        var (early, late) = NextTokenTarget.SplitAtQuarter(Corpus.ContextLength);
        DataShift[] shifts = [DataShift.None, DataShift.TowardFamily(partition, 0), DataShift.TowardFamily(partition, 1),
            DataShift.TowardLengths(early, Corpus.ContextLength), DataShift.TowardLengths(late, Corpus.ContextLength),
            DataShift.TowardLengths(Enumerable.Range(1, Corpus.ContextLength - 1), Corpus.ContextLength)];
        var points = TransformerSusceptibility.Estimate(model, partition, ["unembedding", "blocks.0.mlp"], shifts, Settings(1));
        foreach (var p in points) output.WriteLine($"{p.Block} {p.Shift}: χ̂ = {p.Chi:G6} ± {p.StandardError:G4} (dim {p.Dimension}, ESS {p.ObservableEss:F1})");
        foreach (var block in new[] { "unembedding", "blocks.0.mlp" })
        {
            SusceptibilityPoint P(int k) => points.Single(p => p.Block == block && p.Shift == shifts[k].Name);
            // q' = q, and a length shift onto every length (which is q itself): ΔL ≡ 0, χ = 0 exactly.
            Assert.Equal(0.0, P(0).Chi);
            Assert.Equal(0.0, P(0).StandardError);
            Assert.Equal(0.0, P(5).Chi);
            // π₀ΔL₀ + π₁ΔL₁ = 0 and |E|ΔL_E + |L|ΔL_L = 0 at every draw, so the χ's are tied the same way.
            double pi0 = partition.CountOf(0) / 40.0, pi1 = partition.CountOf(1) / 40.0;
            Assert.True(Math.Abs(pi0 * P(1).Chi + pi1 * P(2).Chi) <= 1e-9 * Math.Abs(P(1).Chi), $"{pi0 * P(1).Chi + pi1 * P(2).Chi}");
            Assert.True(Math.Abs(early.Length * P(3).Chi + late.Length * P(4).Chi) <= 1e-9 * Math.Abs(P(3).Chi));
            Assert.NotEqual(0.0, P(1).Chi);
            Assert.True(P(1).StandardError > 0 && double.IsFinite(P(1).StandardError));
        }
        var curves = new SusceptibilityCurves([.. points, .. points.Select(p => p with { Step = 10 }), .. points.Select(p => p with { Step = 100 })], partition.WholeNBeta, 40, 1);
        Assert.Equal(3 * points.Count, curves.ToDataFrame().Rows.Count);
        Assert.Equal(shifts.Length, curves.ToFigures().Figures.Count);
        Assert.Equal(2, curves.ToFigure("none").Traces.Count);
        Assert.Throws<ArgumentException>(() => curves.ToFigure("sideways"));
        Assert.DoesNotContain(curves.Peaks(), p => p.IsPeak); // equal values at every step: no peak
        Assert.Equal(points.Single(p => p.Block == "unembedding" && p.Shift == "none").Dimension, model.named_parameters().Where(p => p.name.StartsWith("unembedding")).Sum(p => p.parameter.numel()));
    }

    [Fact]
    public void ParallelChainCopiesGiveTheSameNumbers()
    {
        TorchRuntime.Initialize(1);
        var (model, partition) = Tiny();
        using var _ = model;
        var shifts = new[] { DataShift.TowardFamily(partition, 0) };
        var one = TransformerSusceptibility.Estimate(model, partition, ["unembedding"], shifts, Settings(1));
        var two = TransformerSusceptibility.Estimate(model, partition, ["unembedding"], shifts, Settings(2));
        Assert.Equal(one[0].Chi, two[0].Chi, 12);
        Assert.Equal(one[0].StandardError, two[0].StandardError, 12);
    }

    [Fact]
    public void CellsOfWindowsTheSampledRowsDoNotReachStayExactlyAtTheOptimum()
    {
        TorchRuntime.Initialize(1);
        var (model, partition) = Tiny();
        using var _ = model;
        var vocabulary = partition.Sample.Vocabulary;
        IReadOnlyList<int> words1 = Enumerable.Range(0, vocabulary.Count).Where(t => vocabulary.FamilyOf[t] == 1).ToArray();
        using var target = new CellLossTarget(model, partition);
        var run = Sgld.Run(target, Settings(1) with
        {
            SampledParameters = ["token_embedding.weight"],
            SampledRows = new Dictionary<string, IReadOnlyList<int>> { ["token_embedding.weight"] = words1 },
        });
        var cells = run.DrawObservables!;
        int lengths = Corpus.ContextLength - 1;
        Assert.Equal(target.Cells, cells[0][0].Length);
        // Family 0's windows never contain a family-1 word: their cells are the same at every draw, bit for bit.
        foreach (var chain in cells)
            foreach (var draw in chain)
                for (int l = 0; l < lengths; l++) Assert.Equal(cells[0][0][l], draw[l]);
        // So the susceptibility of family 0's loss to any shift is exactly 0; family 1's moves.
        var phi0 = cells.Select(c => c.Select(d => d.Take(lengths).Sum()).ToArray()).ToArray();
        var phi1 = cells.Select(c => c.Select(d => d.Skip(lengths).Sum()).ToArray()).ToArray();
        Assert.Equal(0.0, SusceptibilityEstimator.Estimate(run.NBeta, phi0, phi1, 2).Chi);
        Assert.NotEqual(0.0, SusceptibilityEstimator.Estimate(run.NBeta, phi1, phi1, 2).Chi);
    }
}
