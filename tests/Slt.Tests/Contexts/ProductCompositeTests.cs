using Slt.Contexts;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Tests.Estimators;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Slt.Tests.Contexts;

/// <summary>
/// The exact mother/daughter pair (docs/contexts.md, "Mother against daughter, exactly"): the mother's loss is the daughter's
/// composed with the product map on the same sample, the exact values are Aoyagi's λ and d/2, and the sampler recovers
/// both.
/// </summary>
[Collection(SamplingCollection.Name)]
public sealed class ProductCompositeTests(ITestOutputHelper output)
{
    /// <summary>The issue's example: widths [1, 3, 5] give λ_mother = 3/2 against λ_daughter = 5/2 at teacher rank 0 (the
    /// default rank of <c>slt contexts composite</c>), and equal λ = 5/2 at rank 1. Cross-checked against the two-layer
    /// formula of Aoyagi and Watanabe (an independent implementation).</summary>
    [Fact]
    public void ExampleOneThreeFiveHoldsAtRankZero()
    {
        var atZero = new ProductComposite([1, 3, 5], rank: 0);
        Assert.Equal(1.5, atZero.Mother.Lambda, 12);
        Assert.Equal(1, atZero.Mother.Multiplicity);
        Assert.Equal(2.5, atZero.Daughter.Lambda, 12);
        Assert.Equal(1.0, atZero.Gap, 12);
        Assert.Equal(DeepLinearNetworkCoefficient.ReducedRankRegression(1, 3, 5, 0), atZero.Mother);
        var atOne = new ProductComposite([1, 3, 5], rank: 1);
        Assert.Equal(atOne.Daughter.Lambda, atOne.Mother.Lambda, 12);
        Assert.Equal(DeepLinearNetworkCoefficient.ReducedRankRegression(1, 3, 5, 1), atOne.Mother);
        Assert.Equal([1, 5], atZero.DaughterWidths);
        Assert.Equal(18, atZero.MotherDimension);
        Assert.Equal(5, atZero.DaughterDimension);
    }

    /// <summary>λ_mother ≤ λ_daughter for every shape of two and three factors with widths up to 7 and four factors up to 5,
    /// at every rank; equality occurs, and among equal cases some have a larger multiplicity (e.g. [2, 3, 2] at r = 0).</summary>
    [Fact]
    public void MotherNeverExceedsDaughterAndEqualityWithLargerMultiplicityOccurs()
    {
        int cases = 0, equal = 0, equalWithLargerM = 0;
        foreach (var widths in Shapes(3, 7).Concat(Shapes(4, 7)).Concat(Shapes(5, 5)))
            for (int r = 0; r <= widths.Min(); r++)
            {
                var c = new ProductComposite(widths, r);
                cases++;
                Assert.True(c.Gap >= -1e-12, $"{c.Name}: λ_mother {c.Mother.Lambda} > λ_daughter {c.Daughter.Lambda}");
                if (Math.Abs(c.Gap) < 1e-12)
                {
                    equal++;
                    if (c.Mother.Multiplicity > 1) equalWithLargerM++;
                }
            }
        output.WriteLine($"{cases} shapes × ranks, {equal} with λ_mother = λ_daughter, {equalWithLargerM} of them with m_mother > 1");
        var twoThreeTwo = new ProductComposite([2, 3, 2], 0);
        Assert.Equal(twoThreeTwo.Daughter.Lambda, twoThreeTwo.Mother.Lambda, 12);
        Assert.Equal(2, twoThreeTwo.Mother.Multiplicity);
        Assert.True(equalWithLargerM > 0);
    }

    private static IEnumerable<int[]> Shapes(int count, int max)
    {
        var w = Enumerable.Repeat(1, count).ToArray();
        while (true)
        {
            yield return (int[])w.Clone();
            int i = 0;
            while (i < count && ++w[i] > max) w[i++] = 1;
            if (i == count) yield break;
        }
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, 0, "widths")]
    [InlineData(new[] { 2, 0, 2 }, 0, "widths")]
    [InlineData(new[] { 2, -1, 2 }, 0, "widths")]
    [InlineData(new[] { 2, 3, 4 }, 3, "rank")]
    [InlineData(new[] { 4, 1, 4 }, 2, "rank")]
    [InlineData(new[] { 2, 3, 4 }, -1, "rank")]
    public void BadShapeOrRankIsRefusedNamingTheField(int[] widths, int rank, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new ProductComposite(widths, rank));
        Assert.Equal(field, e.ParamName);
        Assert.StartsWith(field + ":", e.Message);
        var n = Assert.Throws<ArgumentException>(() => new ProductComposite([1, 3, 5], 0, sampleSize: 2));
        Assert.Equal("sampleSize", n.ParamName);
    }

    /// <summary>K_mother = K_daughter ∘ F on the sample itself: at random weights w the mother's loss L_n(w) and per-point
    /// losses equal the daughter's at D = W_L ⋯ W_1, and the daughter's w* is F(w*); same data, to rounding.</summary>
    [Theory]
    [InlineData(new[] { 1, 3, 5 }, 0)]
    [InlineData(new[] { 3, 2, 2, 3 }, 1)]
    public void MotherLossIsDaughterLossOfTheProduct(int[] widths, int rank)
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        using var mother = new DeepLinearNetworkTarget(widths, rank, 2_000, seed: 7);
        using var daughter = mother.EndToEnd();
        Assert.Equal([widths[0], widths[^1]], daughter.Widths);
        Assert.Equal(mother.SampleSize, daughter.SampleSize);
        Assert.Equal(Slt.Sampling.OptimumKind.TrueParameter, daughter.OptimumKind);
        const int chains = 4;
        using var m = mother.CreateGroup(chains);
        using var d = daughter.CreateGroup(chains);
        var product = m.Parameters.Skip(1).Aggregate(m.Parameters[0], (a, b) => b.matmul(a));
        Assert.True(d.Optimum[0].allclose(product[0].detach(), rtol: 1e-12, atol: 1e-14), "the daughter's w* is not F(w*)");
        var gen = new Generator(11);
        using (no_grad())
        {
            foreach (var p in m.Parameters) p.add_(randn(p.shape, dtype: ScalarType.Float64, generator: gen) * Scalars.Of(0.5));
            d.Parameters[0].copy_(m.Parameters.Skip(1).Aggregate(m.Parameters[0], (a, b) => b.matmul(a)));
            var lm = m.Loss(null);
            var ld = d.Loss(null);
            double worst = (lm - ld).abs().max().item<double>() / lm.abs().max().item<double>();
            output.WriteLine($"[{string.Join(",", widths)}] r={rank}: L_n mother {lm[0].item<double>():F6}, daughter {ld[0].item<double>():F6}, worst relative difference {worst:E2}");
            Assert.True(worst <= 1e-12, $"L_mother ≠ L_daughter ∘ F: {worst:E2}");
            Assert.True(m.PointwiseLoss()!.allclose(d.PointwiseLoss()!, rtol: 1e-11, atol: 1e-12), "per-point losses differ");
        }
    }

    /// <summary>What an estimate may miss its exact value by, beyond its Monte Carlo standard error: the step size and the
    /// finite Langevin time of the default settings (measured on the shapes of docs/contexts.md: within 4% at nβ = 500, and
    /// the step's share 1–3% between ε·nβ = 0.04 and 0.02), as a fraction of λ.</summary>
    private const double SamplerBias = 0.03;

    /// <summary>Standard errors of the Gaussian band.</summary>
    private const double Sigmas = 3;

    /// <summary>
    /// The band a λ̂ of the default settings must fall in: within 10% of λ, and within Sigmas·s + SamplerBias·λ of it, with
    /// s² = se² + β²λ (se the Monte Carlo error; β√λ the sample's own fluctuation, exact in the regular model:
    /// λ̂ + βν̂ − λ = −β(χ²_d − d)/2 has standard deviation β√(d/2) = β√λ), widened below by the finite-nβ shortfall
    /// (m − 1)/log nβ. The 10% bound binds where the standard errors are wide; the other where they are narrow.
    /// </summary>
    private static (double Lower, double Upper) Band(LearningCoefficient truth, double se, double beta, double nBeta)
    {
        double lambda = truth.Lambda;
        double s = Math.Sqrt(se * se + beta * beta * lambda);
        double shortfall = (truth.Multiplicity - 1) / Math.Log(nBeta);
        double below = Math.Min(0.10 * lambda, Sigmas * s + SamplerBias * lambda + shortfall);
        double above = Math.Min(0.10 * lambda, Sigmas * s + SamplerBias * lambda);
        return (lambda - below, lambda + above);
    }

    private static bool Within(double estimate, (double Lower, double Upper) band) => estimate >= band.Lower && estimate <= band.Upper;

    /// <summary>
    /// Both learning coefficients on one data set at the library's default settings (those of <c>slt contexts composite</c>,
    /// seed 1): the mother at w*, the daughter at D* = F(w*), each Trustworthy and inside its <see cref="Band"/>, which is at
    /// most ±10% of its exact value. Shapes: the issue's example [1,3,5] at r = 0, a three-factor product [1,2,3,4] at
    /// r = 0, and a three-factor product with a rank-deficient teacher, [3,2,2,3] at r = 1 (D* of rank 1 in 3 × 3).
    /// Power: the same band around a wrong exact value fails — the daughter's λ for the mother, the mother's for the
    /// daughter, and (r &gt; 0) Aoyagi's λ at the wrong rank r = 0 for the mother.
    /// </summary>
    [Theory]
    [InlineData(new[] { 1, 3, 5 }, 0)]
    [InlineData(new[] { 1, 2, 3, 4 }, 0)]
    [InlineData(new[] { 3, 2, 2, 3 }, 1)]
    public void MotherAndDaughterEstimatesMatchAoyagiAndHalfTheDimension(int[] widths, int rank)
    {
        TorchRuntime.Initialize();
        var composite = new ProductComposite(widths, rank);
        var e = composite.Estimate();
        double nBeta = e.Mother.NBeta, beta = nBeta / composite.SampleSize;
        Assert.True(e.Corrected, "on a sample at true parameters both results carry the fluctuation correction");
        double mother = e.MotherHat!.Value, motherSe = e.MotherStandardError!.Value;
        double daughter = e.DaughterHat!.Value, daughterSe = e.DaughterStandardError!.Value;
        var motherBand = Band(composite.Mother, motherSe, beta, nBeta);
        var daughterBand = Band(composite.Daughter, daughterSe, beta, nBeta);
        output.WriteLine($"{composite.Name}: mother λ̂ = {mother:F4} ± {motherSe:F4} (raw {e.Mother.Mean:F4}), λ = {composite.Mother.Lambda} (m = {composite.Mother.Multiplicity}), " +
                         $"band [{motherBand.Lower:F4}, {motherBand.Upper:F4}], {e.Mother.Diagnostics.Trust}, R̂ {e.Mother.Diagnostics.RHat:F4}, {e.Mother.Run.CpuSeconds:F1} s CPU; " +
                         $"daughter λ̂ = {daughter:F4} ± {daughterSe:F4} (raw {e.Daughter.Mean:F4}), λ = {composite.Daughter.Lambda}, band [{daughterBand.Lower:F4}, {daughterBand.Upper:F4}], " +
                         $"{e.Daughter.Diagnostics.Trust}, R̂ {e.Daughter.Diagnostics.RHat:F4}, {e.Daughter.Run.CpuSeconds:F1} s CPU");
        Assert.Equal(Slt.Diagnostics.Trust.Trustworthy, e.Mother.Diagnostics.Trust);
        Assert.Equal(Slt.Diagnostics.Trust.Trustworthy, e.Daughter.Diagnostics.Trust);
        Assert.True(Within(mother, motherBand), $"mother λ̂ = {mother:F4} ± {motherSe:F4} outside [{motherBand.Lower:F4}, {motherBand.Upper:F4}] around λ = {composite.Mother.Lambda}");
        Assert.True(Within(daughter, daughterBand), $"daughter λ̂ = {daughter:F4} ± {daughterSe:F4} outside [{daughterBand.Lower:F4}, {daughterBand.Upper:F4}] around λ = {composite.Daughter.Lambda}");

        Assert.False(Within(mother, Band(composite.Daughter, motherSe, beta, nBeta)), "the mother's estimate also fits the daughter's λ: no power");
        Assert.False(Within(daughter, Band(composite.Mother, daughterSe, beta, nBeta)), "the daughter's estimate also fits the mother's λ: no power");
        if (rank > 0)
            Assert.False(Within(mother, Band(new ProductComposite(widths, 0).Mother, motherSe, beta, nBeta)), "the mother's estimate also fits λ at rank 0");

        var row = e.ToDataFrame();
        Assert.Equal(1, row.Rows.Count);
        Assert.Equal(mother, (double)row["λ̂ mother"][0]);
        Assert.Equal(composite.Gap, (double)row["λ gap"][0]);
    }
}
