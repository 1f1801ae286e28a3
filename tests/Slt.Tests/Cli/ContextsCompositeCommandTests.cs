using System.Text.Json.Nodes;

namespace Slt.Tests.Cli;

[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class ContextsCompositeCommandTests
{
    /// <summary>The JSON of a short run of the issue's example: every promised key, the exact values 3/2 and 5/2 with their
    /// multiplicities, the verdicts, λ̂ as the fluctuation-corrected value of each run, and the exit code the verdicts imply.</summary>
    [Fact]
    public void JsonCarriesExactAndEstimatedLambdaOfMotherAndDaughterWithVerdicts()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(3), "contexts", "composite", "--widths", "1,3,5", "--n", "20000", "--seed", "3",
            "--chains", "4", "--draws", "20", "--burn-in", "2000", "--steps-between-draws", "100", "--daughter-burn-in", "500",
            "--daughter-steps-between-draws", "50", "--json");
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        foreach (var key in new[]
                 {
                     "lambda_mother_exact", "lambda_mother_hat", "lambda_mother_se", "multiplicity_mother",
                     "lambda_daughter_exact", "lambda_daughter_hat", "lambda_daughter_se", "multiplicity_daughter",
                     "trust_mother", "verdict_mother", "trust_daughter", "verdict_daughter", "trust", "mother", "daughter",
                 })
            Assert.True(json.ContainsKey(key), $"missing {key}");
        Assert.Equal(1.5, json["lambda_mother_exact"]!.GetValue<double>());
        Assert.Equal(1, json["multiplicity_mother"]!.GetValue<int>());
        Assert.Equal(2.5, json["lambda_daughter_exact"]!.GetValue<double>());
        Assert.Equal(1, json["multiplicity_daughter"]!.GetValue<int>());
        Assert.Equal(0, json["rank"]!.GetValue<int>()); // the default rank is the one of the example
        Assert.Equal(20000, json["n"]!.GetValue<long>());
        foreach (var (who, dimension) in new[] { ("mother", 18L), ("daughter", 5L) })
        {
            var part = json[who]!.AsObject();
            Assert.Equal(json[$"trust_{who}"]!.GetValue<string>(), part["trust"]!.GetValue<string>());
            Assert.Equal(json[$"verdict_{who}"]!.GetValue<string>(), part["verdict"]!.GetValue<string>());
            Assert.Equal(dimension, part["sampled_dimension"]!.GetValue<long>());
            Assert.Equal(500, part["settings"]!["nbeta"]!.GetValue<double>());
            Assert.Equal(4, part["per_chain"]!.AsArray().Count);
            // λ̂ is each run's λ̂ + βν̂, and its se that correction's.
            Assert.Equal(part["fluctuation_correction"]!["llc_corrected"]!.GetValue<double>(), json[$"lambda_{who}_hat"]!.GetValue<double>(), 12);
            Assert.Equal(part["fluctuation_correction"]!["llc_corrected_se"]!.GetValue<double>(), json[$"lambda_{who}_se"]!.GetValue<double>(), 12);
        }
        Assert.Equal(4e-5, json["mother"]!["settings"]!["step_size"]!.GetValue<double>(), 15);
        Assert.Equal(2000, json["mother"]!["settings"]!["burn_in"]!.GetValue<int>());
        Assert.Equal(500, json["daughter"]!["settings"]!["burn_in"]!.GetValue<int>());
        string[] order = ["Trustworthy", "Caution", "Untrustworthy", "Divergent"];
        string worse = order[Math.Max(Array.IndexOf(order, json["trust_mother"]!.GetValue<string>()), Array.IndexOf(order, json["trust_daughter"]!.GetValue<string>()))];
        Assert.Equal(worse, json["trust"]!.GetValue<string>());
        // Four short chains may fail a check: then "Do not trust" and exit 3 (2 if divergent), never otherwise.
        Assert.Equal(worse switch { "Untrustworthy" => 3, "Divergent" => 2, _ => 0 }, run.ExitCode);
    }

    [Fact]
    public void TableShowsTheShapesAndBothExactValues()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(2), "contexts", "composite", "--widths", "2,3,2", "--chains", "2", "--draws", "10",
            "--burn-in", "100", "--steps-between-draws", "10", "--daughter-burn-in", "100", "--daughter-steps-between-draws", "10");
        Assert.True(run.ExitCode is 0 or 3, run.Stdout + run.Stderr);
        string text = System.Text.RegularExpressions.Regex.Replace(run.Stdout, @"\s+", " ");
        Assert.Contains("[2,3,2], d = 12", text); // brackets are not taken for markup
        Assert.Contains("[2,2], d = 4", text);
        Assert.Contains("2 (2)", text); // λ_mother = 2 with m = 2
        Assert.Contains("exact 0", text); // the gap: equal λ
    }

    [Theory]
    [InlineData("3,4", "widths")]
    [InlineData("2,0,2", "--widths")]
    [InlineData("1,x,5", "--widths")]
    public void BadWidthsGiveAMessageNotACrash(string widths, string named)
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "contexts", "composite", "--widths", widths, "--json");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(named, run.Stdout + run.Stderr);
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr);
    }

    [Fact]
    public void RankAboveTheNarrowestLayerIsRefused()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "contexts", "composite", "--widths", "3,2,4", "--rank", "3");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("rank", run.Stdout + run.Stderr);
        Assert.Contains("0..2", run.Stdout + run.Stderr);
    }
}
