using System.Text.Json.Nodes;

namespace Slt.Tests.Cli;

[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class AdditivityCommandTests
{
    [Theory]
    [InlineData("1,0;0,2", "0,1;1", "--parts", "overlap")]
    [InlineData("1,0;0,2", "0;3", "--parts", "out of range")]
    [InlineData("1,0;0,2", "0;x", "--parts", "not a term index")]
    [InlineData("1,0;1,1", "0,1", "--parts", "at least two parts")]
    [InlineData("1,0,0;0,1,0;0,0,1", "0;1", "--parts", "miss term")]
    [InlineData("1,1", null, "--terms", "one block")]
    [InlineData("1,x", null, "--terms", "not an integer")]
    public void BadPartsOrTermsAreUsageErrors(string terms, string? parts, string option, string named)
    {
        var args = new List<string> { "additivity", "potential", "--terms", terms, "--json" };
        if (parts is not null) args.AddRange(["--parts", parts]);
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), [.. args]);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(option, run.Stdout + run.Stderr);
        Assert.Contains(named, run.Stdout + run.Stderr);
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr);
    }

    /// <summary>A tiny run of the shared split: the exact gaps and verdict in the JSON, the estimated keys present.</summary>
    [Fact]
    public void JsonCarriesExactGapsAndVerdicts()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(2), "additivity", "potential", "--terms", "1,0;1,1", "--parts", "0;1", "--n", "1000",
            "--chains", "4", "--burn-in", "100", "--draws", "10", "--steps-between-draws", "10", "--json");
        Assert.True(run.ExitCode is 0 or 3, run.Stdout + run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        foreach (var key in new[] { "whole", "parts", "free_energy_gap", "expected_tk_gap", "lambda_gap", "lambda_hat_gap", "lambda_hat_gap_se",
                     "allowed_gap", "exact_verdict", "estimated_verdict", "lambda_bounds_hold", "free_energy_bounds_hold", "trust" })
            Assert.True(json.ContainsKey(key), $"missing {key}");
        Assert.Equal(2, json["parts"]!.AsArray().Count);
        Assert.Equal(0.5, json["whole"]!["lambda"]!.GetValue<double>());
        Assert.Equal(-0.5, json["lambda_gap"]!.GetValue<double>(), 12);
        Assert.True(json["free_energy_gap"]!.GetValue<double>() < -1);
        Assert.StartsWith("Interference (exact)", json["exact_verdict"]!.GetValue<string>());
        Assert.False(json["disjoint"]!.GetValue<bool>());
        Assert.Equal(4, json["parts"]![1]!["estimate"]!["per_chain"]!.AsArray().Count);
    }
}
