using Slt.Additivity;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Tests.Estimators;
using Xunit.Abstractions;

namespace Slt.Tests.Additivity;

[Collection(SamplingCollection.Name)]
public sealed class PotentialAdditivityTests(ITestOutputHelper output)
{
    /// <summary>A short SGLD schedule (10,000 steps per piece, 64 chains; the validated one has 30,000): the tests compare
    /// against exact values with tolerances from the reported se. The burn-in of 4,000 steps lets the slow w2⁴ direction of
    /// w1² + w2⁴ (ε = 2·10⁻⁵, posterior scale t^{−1/4} ≈ 0.18, diffusion time ≈ 0.18²/ε ≈ 1,600 steps) relax from w* = 0.</summary>
    private static PotentialAdditivitySettings Short(long seed) => new() { Chains = 64, BurnIn = 4000, Draws = 100, StepsBetweenDraws = 60, Seed = seed };

    /// <summary>(a) Disjoint splits, including a part that is itself a two-variable block and a split coarser than the blocks:
    /// log Z and E_t[tK] add to 1e−10 at two temperatures, λ adds and m = Σ m_p − (#parts − 1).</summary>
    [Theory]
    [InlineData("1,0;0,2", null)]                 // w1² + w2⁴
    [InlineData("1,1,0;0,0,2", null)]             // w1²w2² (a two-variable part, m = 2) + w3⁴
    [InlineData("1,0,0;0,1,0;0,0,1", "0,1;2")]    // (w1² + w2²) + w3²: a part of two blocks
    [InlineData("1,0,0;0,1,0;0,0,1", null)]       // three parts
    public void DisjointPartsAddExactly(string terms, string? parts)
    {
        var whole = NormalCrossingPotential.Parse(terms);
        var partition = parts is null ? PotentialPartition.Blocks(whole) : PotentialPartition.Parse(whole, parts);
        Assert.True(partition.Disjoint);
        foreach (double? nBeta in new double?[] { null, 1000 / Math.Log(1000) })
        {
            var r = PotentialAdditivity.Exact(partition, new PotentialAdditivitySettings { NBeta = nBeta });
            output.WriteLine($"{terms} | {partition.Notation}: F gap {r.FreeEnergyGap:G3}, E gap {r.ExpectedTKGap:G3}, λ gap {r.LambdaGap}");
            Assert.True(Math.Abs(r.LogEvidenceGap!.Value) <= 1e-10, $"log Z gap {r.LogEvidenceGap}");
            Assert.True(Math.Abs(r.ExpectedTKGap!.Value) <= 1e-10, $"E_t[tK] gap {r.ExpectedTKGap}");
            Assert.True(r.ExactAdditive);
            Assert.StartsWith("Additive (exact)", r.ExactVerdict);
            Assert.Equal(0, r.LambdaGap!.Value, 12);
            Assert.Equal(0, r.MultiplicityGap);
            Assert.True(r.FreeEnergyBoundsHold);
            Assert.True(r.LambdaBoundsHold);
            // The parts are potentials in their own variables: the sum of their dimensions is the whole's.
            Assert.Equal(whole.Dimension, r.Parts.Sum(p => p.Potential.Dimension));
        }
    }

    /// <summary>(a) The same check has power: the shared split w1² + w1²w2² → {w1²}, {w1²w2²} does not add. Its whole is
    /// w1²(1 + w2²), whose Z_n = ½√(π/n) asinh 1 and E_t[tK] = ½ up to terms below e^{−n}; with Z(w1²) = ½√(π/n) erf √n and
    /// Z(w1²w2²) = √π/(2√n)(½ log n + C), C = 0.9817550, the free-energy gap is known in closed form.</summary>
    [Fact]
    public void TheSummaryHasOneRowPerComparisonWithItsOwnGaps()
    {
        var disjoint = PotentialAdditivity.Exact(PotentialPartition.Blocks(NormalCrossingPotential.Parse("1,0;0,2")));
        var shared = PotentialAdditivity.Exact(PotentialPartition.Parse(NormalCrossingPotential.Parse("1,0;1,1"), "0;1"));
        var table = PotentialAdditivity.Summary([disjoint, shared]);
        Assert.Equal(2, table.Rows.Count);
        Assert.Equal(["disjoint", "shared"], table.Columns["variables"].Cast<string>());
        Assert.Equal(disjoint.FreeEnergyGap!.Value, (double)table.Columns["F_n gap"][0]!, 12);
        Assert.Equal(shared.FreeEnergyGap!.Value, (double)table.Columns["F_n gap"][1]!, 12);
        Assert.Equal(shared.Whole.FreeEnergy!.Value - shared.FreeEnergyGap!.Value, (double)table.Columns["Σ F_n parts"][1]!, 9);
        Assert.Equal(0.5, (double)table.Columns["λ"][1]!, 12);
        Assert.Equal(1.0, (double)table.Columns["Σ λ parts"][1]!, 12);
        Assert.Null(table.Columns["λ̂"][0]);
        Assert.Throws<ArgumentException>(() => PotentialAdditivity.Summary([]));
    }

    [Fact]
    public void SharedSplitHasTheClosedFormInterference()
    {
        var partition = PotentialPartition.Parse(NormalCrossingPotential.Parse("1,0;1,1"), "0;1");
        Assert.False(partition.Disjoint);
        var r = PotentialAdditivity.Exact(partition);
        double n = 1000;
        double zWhole = 0.5 * Math.Sqrt(Math.PI / n) * Math.Asinh(1);
        double zPart2 = Math.Sqrt(Math.PI) / (2 * Math.Sqrt(n)) * (0.5 * Math.Log(n) + 0.9817550);
        double zPart1 = 0.5 * Math.Sqrt(Math.PI / n); // erf(√1000) = 1 to double precision
        double gap = -Math.Log(zWhole) + Math.Log(zPart1) + Math.Log(zPart2);
        output.WriteLine($"F gap {r.FreeEnergyGap:F6} (closed form {gap:F6}); E gap {r.ExpectedTKGap:F6}; {r.ExactVerdict}");
        Assert.Equal(-Math.Log(zWhole), r.Whole.FreeEnergy!.Value, 6);
        Assert.Equal(0.5, r.Whole.ExpectedTK!.Value, 6);
        Assert.True(Math.Abs(r.FreeEnergyGap!.Value - gap) <= 1e-5, $"F gap {r.FreeEnergyGap} vs closed form {gap}");
        Assert.True(r.FreeEnergyGap < -1, $"the gap {r.FreeEnergyGap} should be far below zero");
        Assert.True(r.ExpectedTKGap < -0.3, $"E_t[tK] gap {r.ExpectedTKGap}");
        Assert.False(r.ExactAdditive);
        Assert.StartsWith("Interference (exact)", r.ExactVerdict);
        Assert.True(r.FreeEnergyBoundsHold); // max F_p ≤ F ≤ Σ F_p
        // λ: w1²(1 + w2²) ≍ w1², so λ = 1/2, m = 1, against 1/2 + 1/2 for the parts.
        Assert.Equal(0.5, r.Whole.Coefficient!.Lambda);
        Assert.Equal(1, r.Whole.Coefficient.Multiplicity);
        Assert.Equal(-0.5, r.LambdaGap!.Value, 12);
        Assert.True(r.LambdaBoundsHold);
    }

    [Theory]
    [InlineData("1,0;1,1", 0.5, 1)]      // w1² + w1²w2²: the second term is dominated
    [InlineData("1,1;2,2", 0.5, 2)]      // w1²w2² + w1⁴w2⁴
    [InlineData("1,0;1,0", 0.5, 1)]      // a repeated term
    [InlineData("1,0;0,1", 1.0, 1)]      // regular in two variables
    [InlineData("2,2,0;0,0,1", 0.75, 2)] // w1⁴w2⁴ + w3²: 1/4 + 1/2, m = 2 + 1 − 1
    public void LearningCoefficientDropsDominatedTerms(string terms, double lambda, int m)
    {
        var c = PotentialLearningCoefficient.Of(NormalCrossingPotential.Parse(terms))!;
        Assert.Equal(lambda, c.Lambda, 12);
        Assert.Equal(m, c.Multiplicity);
    }

    [Fact]
    public void LearningCoefficientIsUnknownWithoutAClosedForm() =>
        Assert.Null(PotentialLearningCoefficient.Of(NormalCrossingPotential.Parse("1,1;0,2"))); // w1²w2² + w2⁴: no term divides the other

    /// <summary>(b) Disjoint w1² + w2⁴ at n = nβ = 1000 over two seeds: λ̂(whole) − Σ λ̂(parts) within 3 combined se, the
    /// verdict "Additive", and every λ̂ within 3 se + 2% of its exact E_t[tK] (2%: twice the known +εt/2 = 1% step-size
    /// bias of the stiff w1² direction at ε = 0.02/t).</summary>
    [Fact]
    public void DisjointEstimatesAddWithinTheirStandardErrors()
    {
        TorchRuntime.Initialize();
        var partition = PotentialPartition.Blocks(NormalCrossingPotential.Parse("1,0;0,2"));
        foreach (long seed in new long[] { 1, 2 })
        {
            var r = PotentialAdditivity.Estimate(partition, Short(seed));
            output.WriteLine($"seed {seed}: " + string.Join("; ", r.Pieces.Select(p => $"{p.Name} {p.LambdaHat:F4} ± {p.LambdaHatStandardError:F4} (exact {p.ExpectedTK:F4})"))
                + $" | gap {r.LambdaHatGap:F4} ± {r.LambdaHatGapStandardError:F4} | {r.EstimatedVerdict}");
            Assert.True(r.HasNumbers);
            Assert.True(Math.Abs(r.LambdaHatGap!.Value) <= 3 * r.LambdaHatGapStandardError!.Value,
                $"seed {seed}: gap {r.LambdaHatGap:F4} ± {r.LambdaHatGapStandardError:F4}");
            Assert.True(r.EstimatedAdditive);
            Assert.StartsWith("Additive", r.EstimatedVerdict);
            foreach (var p in r.Pieces)
            {
                double e = p.ExpectedTK!.Value;
                Assert.True(Math.Abs(p.LambdaHat!.Value - e) <= 3 * p.LambdaHatStandardError!.Value + 0.02 * e,
                    $"seed {seed} {p.Name}: λ̂ {p.LambdaHat:F4} ± {p.LambdaHatStandardError:F4} vs E_t[tK] {e:F4}");
                Assert.True(p.LambdaHatStandardError < 0.05 * e, $"{p.Name}: se {p.LambdaHatStandardError} too large for the test to have power");
            }
            // The pieces sampled independently: distinct seeds.
            Assert.Equal(3, r.Pieces.Select(p => p.Estimate!.Run.Settings.Seed).Distinct().Count());
        }
    }

    /// <summary>(c) The shared split w1² + w1²w2² → {w1²}, {w1²w2²}: interference, with the exact λ(whole) = 1/2 below
    /// λ1 + λ2 = 1 and the estimated gap (exact E_t[tK] gap −0.387) beyond 2 se + 5% of each λ̂.</summary>
    [Fact]
    public void SharedSplitGivesTheInterferenceVerdict()
    {
        TorchRuntime.Initialize();
        var partition = PotentialPartition.Parse(NormalCrossingPotential.Parse("1,0;1,1"), "0;1");
        var r = PotentialAdditivity.Estimate(partition, Short(1));
        output.WriteLine(string.Join("; ", r.Pieces.Select(p => $"{p.Name} {p.LambdaHat:F4} ± {p.LambdaHatStandardError:F4} (exact {p.ExpectedTK:F4})"))
            + $" | {r.EstimatedVerdict} | {r.ExactVerdict}");
        Assert.False(r.EstimatedAdditive);
        Assert.StartsWith("Interference", r.EstimatedVerdict);
        Assert.True(r.Whole.Coefficient!.Lambda < r.Parts.Sum(p => p.Coefficient!.Lambda));
        Assert.True(r.LambdaBoundsHold);
        // The estimated gap agrees with the exact one (within 3 se + 2% of each E_t[tK]).
        double slack = 3 * r.LambdaHatGapStandardError!.Value + 0.02 * r.Pieces.Sum(p => p.ExpectedTK!.Value);
        Assert.True(Math.Abs(r.LambdaHatGap!.Value - r.ExpectedTKGap!.Value) <= slack, $"gap {r.LambdaHatGap:F4} vs exact {r.ExpectedTKGap:F4}");
        // The table, the gaps and the figure have a row or bar for every piece.
        Assert.Equal(3, r.ToDataFrame().Rows.Count);
        Assert.Equal(5, r.GapsToDataFrame().Rows.Count);
        Assert.Equal(4, r.ToFigure().Traces.OfType<Slt.Presentation.BarTrace>().First().Categories.Length);
        Assert.Equal("Interference", r.ToJson()["estimated_verdict"]!.GetValue<string>().Split(':')[0]);
    }

    /// <summary>(d) Parts that do not partition the terms are refused with a message naming the problem.</summary>
    [Theory]
    [InlineData("0,1;1", "overlap")]
    [InlineData("0", "at least two parts")]
    [InlineData("0;2", "out of range")]
    [InlineData("0;-1", "out of range")]
    [InlineData("0;;1", "empty")]
    [InlineData("0,0;1", "twice")]
    public void PartsThatDoNotPartitionTheTermsAreRefused(string parts, string named)
    {
        var whole = NormalCrossingPotential.Parse("1,0;1,1");
        var e = Assert.Throws<ArgumentException>(() => PotentialPartition.Parse(whole, parts));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void PartsMissingATermOrNotIntegersAreRefused()
    {
        var whole = NormalCrossingPotential.Parse("1,0,0;0,1,0;0,0,1");
        var missing = Assert.Throws<ArgumentException>(() => PotentialPartition.Parse(whole, "0;1"));
        Assert.Contains("miss term(s) 2", missing.Message);
        Assert.Throws<FormatException>(() => PotentialPartition.Parse(whole, "0;x"));
        var oneBlock = Assert.Throws<ArgumentException>(() => PotentialPartition.Blocks(NormalCrossingPotential.Parse("1,1")));
        Assert.Contains("one block", oneBlock.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PotentialAdditivitySettings { Chains = 1 });
    }
}
