using Slt.GroundTruth;

namespace Slt.Tests.GroundTruth;

public sealed class BayesianPhaseTransitionTests
{
    [Fact]
    public void CriticalSampleSizeSolvesTheBalanceAndSplitsThePhases()
    {
        var p = new BayesianPhaseTransition(lossA: 0.01, lambdaA: 0.5, lossB: 0.0, lambdaB: 2.0);
        double nc = p.CriticalSampleSize()!.Value;
        Assert.Equal(nc * 0.01, 1.5 * Math.Log(nc), 6);
        Assert.Equal(0.5, p.PosteriorOfA(nc), 6);
        Assert.True(p.PosteriorOfA(nc / 3) > 0.5 && p.PosteriorOfA(nc * 3) < 0.5);
    }

    [Fact]
    public void RegionsMustBeOrdered() =>
        Assert.Equal("lossA", Assert.Throws<ArgumentOutOfRangeException>(() => new BayesianPhaseTransition(0, 1, 0.1, 2)).ParamName);

    [Fact]
    public void FreeEnergyCurveApproachesTheFormulaUpToAConstant()
    {
        var (_, exact, formula) = PotentialPosterior.FreeEnergyCurve(NormalCrossingPotential.Parse("1,1"), [1e4, 1e5, 1e6]);
        double d1 = exact[0] - formula[0], d2 = exact[1] - formula[1], d3 = exact[2] - formula[2];
        Assert.True(Math.Abs(d3 - d2) < Math.Abs(d2 - d1) && Math.Abs(d3 - d2) < 0.05, $"differences {d1:F4}, {d2:F4}, {d3:F4}");
    }
}
