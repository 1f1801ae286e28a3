using System.Text.Json.Nodes;

namespace Slt.Tests.Cli;

[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class LlcCommandTests
{
    [Fact]
    public void PotentialLlcJsonHoldsEstimateDiagnosticsSettingsAndTruth()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(3), "llc", "potential", "--terms", "1,1", "--t", "1000", "--chains", "32", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        foreach (var key in new[] { "llc_mean", "llc_se", "per_chain", "rhat", "ess", "mala_acceptance", "verdict", "settings", "truth" })
            Assert.True(json.ContainsKey(key), $"missing {key}");
        Assert.Equal(32, json["per_chain"]!.AsArray().Count);
        Assert.Equal(0.5, json["truth"]!["lambda"]!.GetValue<double>());
        Assert.Equal(2, json["truth"]!["multiplicity"]!.GetValue<int>());
        Assert.InRange(json["truth"]!["finite_t"]!.GetValue<double>(), 0.3872, 0.3874);
        Assert.Equal(1000, json["settings"]!["nbeta"]!.GetValue<double>());
        // Within 3 of its standard errors plus the validated step's own bias (≤ 2%, docs/step-size.md) of the exact value.
        double mean = json["llc_mean"]!.GetValue<double>(), se = json["llc_se"]!.GetValue<double>();
        Assert.True(Math.Abs(mean - 0.3873) <= 3 * se + 0.02 * 0.3873, $"λ̂ = {mean:F4} ± {se:F4}, exact 0.3873");
    }

    [Fact]
    public void DlnTakesAMiniBatchSizeAndAPotentialRefusesOne()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "llc", "dln", "--widths", "5,3,5", "--n", "1000", "--batch-size", "50",
            "--chains", "2", "--burn-in", "50", "--draws", "50", "--steps-between-draws", "1", "--json");
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.Equal(50, json["settings"]!["batch_size"]!.GetValue<int>());
        // A potential has no data to draw mini-batches from: the option does not exist there (usage, 64).
        var potential = CliProcess.Run(TimeSpan.FromMinutes(1), "llc", "potential", "--batch-size", "50");
        Assert.Equal(64, potential.ExitCode);
        Assert.Contains("batch-size", potential.Stdout + potential.Stderr);
    }

    /// <summary><c>--adjusted</c> (MALA) at twenty times the validated step: the JSON says the run was adjusted, the
    /// acceptance is that of its own decisions, and λ̂ is within 3 se of E_t[tK] with no allowance for step bias. A DLN
    /// with a mini-batch refuses it as a usage error naming the full batch.</summary>
    [Fact]
    public void AdjustedRunsAreExactAtALargeStepAndRefuseAMiniBatch()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(2), "llc", "potential", "--terms", "1,1", "--t", "1000", "--chains", "16",
            "--epsilon", "2e-3", "--adjusted", "--burn-in", "500", "--draws", "4000", "--steps-between-draws", "1", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.True(json["settings"]!["metropolis_adjusted"]!.GetValue<bool>());
        Assert.InRange(json["mala_acceptance"]!.GetValue<double>(), 0.8, 0.97);
        double mean = json["llc_mean"]!.GetValue<double>(), se = json["llc_se"]!.GetValue<double>();
        Assert.True(se < 0.015, $"se {se:F4}");
        Assert.True(Math.Abs(mean - 0.3873) <= 3 * se, $"λ̂ = {mean:F4} ± {se:F4}, exact 0.3873");
        var mini = CliProcess.Run(TimeSpan.FromMinutes(1), "llc", "dln", "--widths", "5,3,5", "--batch-size", "50", "--adjusted");
        Assert.True(mini.ExitCode == 64, $"exit {mini.ExitCode}: {mini.Stdout}{mini.Stderr}");
        Assert.Contains("full batch", mini.Stdout + mini.Stderr);
    }

    [Fact]
    public void DivergentRunPrintsNoNumberAndExitsNonZero()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(3), "llc", "dln", "--widths", "5,3,5", "--rank", "0", "--n", "100000",
            "--epsilon", "0.05", "--burn-in", "100", "--draws", "100", "--json");
        Assert.NotEqual(0, run.ExitCode);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.Null(json["llc_mean"]);
        Assert.Equal("Divergent", json["trust"]!.GetValue<string>());
        Assert.Equal(6.5, json["truth"]!["lambda"]!.GetValue<double>());
    }

    [Fact]
    public void EstimateAboveHalfTheDimensionIsDoNotTrustWithExitCodeThree()
    {
        // ε = 5 on w₁²w₂² in [−1,1]²: λ̂ ≈ 111 for an exact 0.387, above d/2 = 1.
        var run = CliProcess.Run(TimeSpan.FromMinutes(3), "llc", "potential", "--terms", "1,1", "--t", "1000", "--chains", "32",
            "--epsilon", "5", "--json");
        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Stdout}{run.Stderr}");
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.Equal("Untrustworthy", json["trust"]!.GetValue<string>());
        Assert.Contains("d/2 = 1", json["verdict"]!.GetValue<string>());
        Assert.Equal(2, json["sampled_dimension"]!.GetValue<long>());
    }

    [Fact]
    public void ResultStatesTheExpectedShortfallNextToTheNumber()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(3), "llc", "potential", "--terms", "1,1", "--t", "1000", "--chains", "16");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        string text = System.Text.RegularExpressions.Regex.Replace(run.Stdout, @"\s+", " "); // the console wraps long lines
        Assert.Contains("expected finite-nβ shortfall", text);
        Assert.Contains("(m − 1)/log nβ = 0.145", text); // 1/log 1000
        Assert.Contains("exact E_t[tK]", text); // a label with brackets is not taken for markup
    }

    [Fact]
    public void UnknownParameterNameAndBadTermsGiveAMessageNotACrash()
    {
        var names = CliProcess.Run(TimeSpan.FromMinutes(2), "llc", "potential", "--terms", "1,1", "--sample", "w9", "--draws", "10", "--burn-in", "10");
        Assert.Equal(1, names.ExitCode);
        Assert.Contains("w9", names.Stdout + names.Stderr);
        var terms = CliProcess.Run(TimeSpan.FromMinutes(2), "llc", "potential", "--terms", "1,x");
        Assert.Equal(1, terms.ExitCode);
        Assert.Contains("not an integer", names.Stdout + names.Stderr + terms.Stdout + terms.Stderr);
    }

    [Fact]
    public void UnknownOptionIsAnErrorNotSilentlyIgnored()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(2), "llc", "dln", "--widths", "5,3,5", "--step-size", "1e-9");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("step-size", run.Stdout + run.Stderr);
    }

    [Fact]
    public void DeepLinearJsonCarriesTheFluctuationCorrection()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(3), "llc", "dln", "--widths", "3,3", "--rank", "0", "--n", "20000",
            "--chains", "2", "--burn-in", "500", "--draws", "20", "--steps-between-draws", "10", "--json");
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        // Two short chains may not pass split-R̂: then the verdict is "Do not trust" and the exit code 3, never otherwise.
        Assert.Equal(json["trust"]!.GetValue<string>() == "Untrustworthy" ? 3 : 0, run.ExitCode);
        var correction = json["fluctuation_correction"]!.AsObject();
        double raw = json["llc_mean"]!.GetValue<double>();
        double beta = correction["beta"]!.GetValue<double>();
        double nu = correction["singular_fluctuation"]!.GetValue<double>();
        Assert.Equal(1 / Math.Log(20000), beta, 9);
        Assert.True(nu > 0, $"ν̂ = {nu}");
        Assert.Equal(raw + beta * nu, correction["llc_corrected"]!.GetValue<double>(), 9);
        Assert.Equal(4.5, json["truth"]!["lambda"]!.GetValue<double>());
    }

    /// <summary>Each model takes only its own options: a DLN has no --terms or --checkpoint, a potential no --widths,
    /// a transformer no --rank; each refusal is a usage error (64) that names the option.</summary>
    [Theory]
    [InlineData("dln", "--terms", "1,1")]
    [InlineData("dln", "--checkpoint", "x.ckpt")]
    [InlineData("potential", "--widths", "5,3,5")]
    [InlineData("potential", "--lengths", "1-3")]
    [InlineData("transformer", "--rank", "1")]
    [InlineData("transformer", "--box", "none")]
    [InlineData("transformer", "--adjusted", "")]
    public void EachModelRefusesTheOptionsOfTheOthers(string model, string option, string value)
    {
        var run = value.Length == 0 ? CliProcess.Run(TimeSpan.FromMinutes(1), "llc", model, option)
            : CliProcess.Run(TimeSpan.FromMinutes(1), "llc", model, option, value);
        Assert.True(run.ExitCode == 64, $"exit {run.ExitCode}: {run.Stdout}{run.Stderr}");
        Assert.Contains(option.TrimStart('-'), run.Stdout + run.Stderr);
    }

    /// <summary>The transformer's refinements and spectrum refuse combinations that would measure something else than asked:
    /// both refinements at once, the spectrum of a length-restricted loss, shipping a spectrum of anything but the default
    /// model and sample, a refinement of no steps; each a usage error (64) naming the option.</summary>
    [Theory]
    [InlineData("refine-population", "--refine", "10", "--refine-population", "10")]
    [InlineData("refine-population", "--refine-population", "0")]
    [InlineData("refine-batch", "--refine-population", "5", "--refine-batch", "0")]
    [InlineData("spectrum", "--spectrum", "--lengths", "1-3")]
    [InlineData("ship", "--spectrum", "--ship", "--windows", "100")]
    [InlineData("ship", "--ship")]
    public void TheTransformerRefusesRefinementsAndSpectraThatDoNotFit(string named, params string[] options)
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), ["llc", "transformer", .. options]);
        Assert.True(run.ExitCode == 64, $"exit {run.ExitCode}: {run.Stdout}{run.Stderr}");
        Assert.Contains(named, run.Stdout + run.Stderr);
    }

    /// <summary>The old spelling <c>slt llc --model M</c> (and <c>slt llc</c> without a model, meaning potential) still
    /// runs for one release: the same settings reach the same subcommand, with a warning naming the new spelling.</summary>
    [Fact]
    public void DeprecatedModelOptionRunsTheSubcommandAndSaysSo()
    {
        string[] shortRun = ["--terms", "1,1", "--chains", "2", "--burn-in", "20", "--draws", "20", "--json"];
        var current = CliProcess.Run(TimeSpan.FromMinutes(1), ["llc", "potential", .. shortRun]);
        var old = CliProcess.Run(TimeSpan.FromMinutes(1), ["llc", "--model", "potential", .. shortRun]);
        var bare = CliProcess.Run(TimeSpan.FromMinutes(1), ["llc", .. shortRun]);
        Assert.True(current.ExitCode is 0 or 3, current.Stdout + current.Stderr);
        Assert.DoesNotContain("deprecated", current.Stderr);
        foreach (var run in new[] { old, bare })
        {
            Assert.Equal(current.ExitCode, run.ExitCode);
            Assert.Contains("deprecated", run.Stderr);
            Assert.Contains("slt llc potential", run.Stderr);
            // Same seed, same numbers: the alias changes nothing but the spelling.
            Assert.Equal(JsonNode.Parse(current.Stdout)!["llc_mean"]!.GetValue<double>(), JsonNode.Parse(run.Stdout)!["llc_mean"]!.GetValue<double>());
        }
        var unknown = CliProcess.Run(TimeSpan.FromMinutes(1), "llc", "--model", "mlp");
        Assert.Equal(64, unknown.ExitCode);
        Assert.Contains("mlp", unknown.Stdout + unknown.Stderr);
    }
}
