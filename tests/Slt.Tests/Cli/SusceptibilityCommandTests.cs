using System.Text.Json.Nodes;

namespace Slt.Tests.Cli;

[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class SusceptibilityCommandTests
{
    [Theory]
    [InlineData("gaussian", "--seeds", "0", "--seeds")]
    [InlineData("transformer", "--draws", "2", "--draws")]
    [InlineData("transformer", "--chains", "0", "--chains")]
    [InlineData("transformer", "--blocks", ",", "--blocks")]
    [InlineData("transformer", "--step-size", "-1", "--step-size")]
    public void BadOptionsAreUsageErrors(string command, string option, string value, string named)
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "susceptibility", command, option, value, "--json");
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(named, run.Stdout + run.Stderr);
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr);
    }

    /// <summary>The closed-form check: exact χ, its covariance form and finite difference agree; the estimate's z is sane.</summary>
    [Fact]
    public void GaussianJsonHasExactAndEstimatedChi()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(2), "susceptibility", "gaussian", "--seeds", "1", "--json");
        Assert.Equal(0, run.ExitCode);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        var blocks = json["blocks"]!.AsArray();
        Assert.Equal(3, blocks.Count);
        foreach (var b in blocks)
        {
            double exact = b!["chi_exact"]!.GetValue<double>();
            Assert.Equal(exact, b["chi_covariance_form"]!.GetValue<double>(), 10);
            Assert.Equal(exact, b["chi_finite_difference"]!.GetValue<double>(), 6);
            Assert.True(Math.Abs(b["z"]!.GetValue<double>()) < 4, b.ToJsonString());
            Assert.Single(b["seeds"]!.AsArray());
        }
        Assert.Equal(blocks[0]!["chi_exact"]!.GetValue<double>(), blocks[1]!["chi_exact"]!.GetValue<double>() + blocks[2]!["chi_exact"]!.GetValue<double>(), 12);
    }
}
