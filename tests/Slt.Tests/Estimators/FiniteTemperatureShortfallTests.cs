using Slt.Estimators;

namespace Slt.Tests.Estimators;

public sealed class FiniteTemperatureShortfallTests
{
    [Fact]
    public void MultiplicityTermIsMMinusOneOverLogNBeta()
    {
        var s = FiniteTemperatureShortfall.For(new KnownTruth(6.5, 3, null), 8686, null)!;
        Assert.Equal(2 / Math.Log(8686), s.MultiplicityTerm, 12);
        Assert.Null(s.FluctuationTerm);
        Assert.Equal(6.5 - 2 / Math.Log(8686), s.ExpectedRaw, 12);
        Assert.Contains("m = 3", s.Statement);
        Assert.Contains("not this bias", s.Statement);
        Assert.Equal(0, FiniteTemperatureShortfall.For(new KnownTruth(4.5, 1, null), 1000, null)!.Raw);
    }

    [Fact]
    public void FluctuationTermEntersTheRawShortfallOnly()
    {
        var correction = FluctuationCorrection.From([6.0, 6.2], [100, 120], nBeta: 8686, sampleSize: 100_000)!;
        var s = FiniteTemperatureShortfall.For(new KnownTruth(6.5, 2, null), 8686, correction)!;
        double beta = 8686 / 100_000.0;
        Assert.Equal(beta * beta * 110 / 2, s.FluctuationTerm!.Value, 12);
        Assert.Equal(s.MultiplicityTerm + s.FluctuationTerm.Value, s.Raw, 12);
        Assert.Equal(s.MultiplicityTerm, s.Corrected, 12);
    }

    [Fact]
    public void NoStatementWithoutLambdaAndMultiplicity()
    {
        Assert.Null(FiniteTemperatureShortfall.For(null, 1000, null));
        Assert.Null(FiniteTemperatureShortfall.For(new KnownTruth(0.5, null, 0.38), 1000, null));
        Assert.Null(FiniteTemperatureShortfall.For(new KnownTruth(0.5, 2, null), 2, null));
    }
}
