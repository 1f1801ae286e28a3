using Slt.Diagnostics;

namespace Slt.Tests.Diagnostics;

public sealed class ChainSummaryTests
{
    private static ChainSummary Of(double rhat, double essBulk, double essTail) => new(rhat, essBulk, essTail, 0.01, 0, 4, 1000);

    [Theory]
    [InlineData(1.005, 500, 500, Trust.Trustworthy)]
    [InlineData(1.005, 400, 400, Trust.Trustworthy)]
    [InlineData(1.01, 500, 500, Trust.Caution)]
    [InlineData(1.049, 500, 500, Trust.Caution)]
    [InlineData(1.005, 399, 500, Trust.Caution)]
    [InlineData(1.005, 500, 100, Trust.Caution)]
    [InlineData(1.05, 500, 500, Trust.Untrustworthy)]
    [InlineData(1.005, 500, 99, Trust.Untrustworthy)]
    [InlineData(1.02, 99, 500, Trust.Untrustworthy)]
    [InlineData(double.NaN, 500, 500, Trust.Untrustworthy)]
    public void VerdictFollowsThePapersThresholds(double rhat, double essBulk, double essTail, Trust expected)
    {
        var summary = Of(rhat, essBulk, essTail);
        Assert.Equal(expected, summary.TrustLevel());
        Assert.StartsWith(expected switch { Trust.Trustworthy => "Trustworthy", Trust.Caution => "Use with care", _ => "Do not trust" }, summary.Verdict());
    }

    [Fact]
    public void ThresholdsCanBeRelaxed()
    {
        var relaxed = new ConvergenceThresholds { RHatTrustworthy = 1.1, EssTrustworthy = 50 };
        Assert.Equal(Trust.Trustworthy, Of(1.05, 60, 60).TrustLevel(relaxed));
    }

    [Fact]
    public void ComputeReportsShapeAndMean()
    {
        double[][] chains = [[1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7]];
        var summary = ChainSummary.Compute(chains);
        Assert.Equal(2, summary.Chains);
        Assert.Equal(6, summary.Draws);
        Assert.Equal(4.0, summary.Mean, 12);
        Assert.True(double.IsFinite(summary.RHat) && double.IsFinite(summary.EssBulk) && double.IsFinite(summary.EssTail));
    }
}
