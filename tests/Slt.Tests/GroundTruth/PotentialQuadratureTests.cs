using Slt.GroundTruth;

namespace Slt.Tests.GroundTruth;

public sealed class PotentialQuadratureTests
{
    [Fact]
    public void QuadratureReproducesPublishedExpectedTKTable()
    {
        double[] temperatures = [100, 1000, 10000];
        foreach (var (terms, published) in GroundTruthCases.PublishedExpectedTK)
            for (int i = 0; i < temperatures.Length; i++)
            {
                double exact = PotentialQuadrature.At(NormalCrossingPotential.Parse(terms), temperatures[i]).ExpectedTK;
                Assert.True(Math.Abs(exact - published[i]) <= 0.6e-4, $"{terms} at t = {temperatures[i]}: quadrature {exact:F5}, table {published[i]:F4}");
            }
    }

    [Fact]
    public void EvidenceOfW1W2SquaredMatchesPublishedAndAsymptoticForm()
    {
        var k = NormalCrossingPotential.Parse("1,1");
        Assert.Equal(0.51452, PotentialQuadrature.FreeEnergy(k, 10), 5);
        Assert.Equal(1.23420, PotentialQuadrature.FreeEnergy(k, 100), 5);
        // Z(n) = √π/(2√n) (½ log n + C) up to exponentially small terms, C = 0.9817550.
        double n = 1e5;
        double z = Math.Exp(PotentialQuadrature.At(k, n).LogEvidence);
        double asymptotic = Math.Sqrt(Math.PI) / (2 * Math.Sqrt(n)) * (0.5 * Math.Log(n) + 0.9817550);
        Assert.True(Math.Abs(z / asymptotic - 1) < 1e-5, $"Z = {z}, asymptotic {asymptotic}");
    }

    [Fact]
    public void ExpectedTKIsMinusLogEvidenceDerivative()
    {
        var k = NormalCrossingPotential.Parse("1,2");
        double t = 500, h = 1e-3;
        double derivative = -(PotentialQuadrature.At(k, t * Math.Exp(h)).LogEvidence - PotentialQuadrature.At(k, t * Math.Exp(-h)).LogEvidence) / (2 * h);
        Assert.Equal(derivative, PotentialQuadrature.At(k, t).ExpectedTK, 5);
    }

    [Fact]
    public void DisjointSumsFactorise()
    {
        double t = 777;
        var sum = PotentialQuadrature.At(NormalCrossingPotential.Parse("1,0,0;0,1,1"), t);
        var a = PotentialQuadrature.At(NormalCrossingPotential.Parse("1"), t);
        var b = PotentialQuadrature.At(NormalCrossingPotential.Parse("1,1"), t);
        Assert.Equal(a.LogEvidence + b.LogEvidence, sum.LogEvidence, 10);
        Assert.Equal(a.ExpectedTK + b.ExpectedTK, sum.ExpectedTK, 10);
    }

    [Fact]
    public void LearningCoefficientRulesFollowGroundTruthNotes()
    {
        Assert.Equal((0.5, 2), NormalCrossingPotential.Parse("1,1").LearningCoefficient());
        Assert.Equal((0.25, 1), NormalCrossingPotential.Parse("1,2").LearningCoefficient());
        Assert.Equal((0.75, 1), NormalCrossingPotential.Parse("1,0;0,2").LearningCoefficient());
        Assert.Equal((0.5, 1), NormalCrossingPotential.Parse("0,1").LearningCoefficient());
        Assert.Null(NormalCrossingPotential.Parse("1,0;1,1").LearningCoefficient());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1,x")]
    [InlineData("1,1;2")]
    [InlineData("0,0")]
    [InlineData("-1,1")]
    public void MalformedTermsAreRejectedWithFormatException(string terms) =>
        Assert.Throws<FormatException>(() => NormalCrossingPotential.Parse(terms));

    [Fact]
    public void QuadratureRefusesBlocksOfThreeSharedVariables() =>
        Assert.Throws<ArgumentException>(() => PotentialQuadrature.At(NormalCrossingPotential.Parse("1,1,1"), 10));
}
