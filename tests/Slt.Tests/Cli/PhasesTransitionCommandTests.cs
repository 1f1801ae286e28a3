using System.Text.Json;
using Slt.Phases;

namespace Slt.Tests.Cli;

/// <summary><c>slt phases transition</c>: JSON that matches the library, and bad input refused with the right exit code.</summary>
public sealed class PhasesTransitionCommandTests
{
    [Fact]
    public void JsonCarriesTheExactAndPredictedCriticalSampleSizes()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(2), "phases", "transition", "--pair", "quartic", "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        var pair = RegionTransition.Quartic;
        Assert.Equal(pair.CriticalSampleSize()!.Value, root.GetProperty("exact_n_c").GetDouble(), 6);
        var predicted = root.GetProperty("predicted").EnumerateArray().ToArray();
        Assert.Equal(4, predicted.Length);
        Assert.Equal(pair.PredictedCriticalSampleSize(FreeEnergyTerms.Leading)!.Value, predicted[0].GetProperty("n_c").GetDouble(), 6);
        var masses = root.GetProperty("masses").EnumerateArray().ToArray();
        Assert.Equal(25, masses.Length);
        foreach (var m in masses)
            Assert.Equal(pair.MassOfComplex(m.GetProperty("n").GetDouble()), m.GetProperty("exact_complex").GetDouble(), 9);
    }

    [Theory]
    [InlineData("--pair", "bogus", "--pair must be one of")]
    [InlineData("--ship", null, "--ship writes the --estimate or --noisy-estimate result")]
    [InlineData("--noisy-estimate", null, "--noisy-estimate needs --noisy")]
    [InlineData("--simple", "1,1", "A custom pair needs")]
    [InlineData("--seeds", "1", "--seeds must be in")]
    public void RefusesBadOptions(string option, string? value, string message)
    {
        var run = value is null
            ? CliProcess.Run(TimeSpan.FromMinutes(1), "phases", "transition", option)
            : CliProcess.Run(TimeSpan.FromMinutes(1), "phases", "transition", option, value);
        Assert.Equal(64, run.ExitCode);
        Assert.Contains(message, run.Stdout + run.Stderr);
    }

    [Fact]
    public void APairThatIsNoTransitionIsBadInput()
    {
        // The "simple" region here has the larger λ: the simple region never wins, so there is no transition to compute.
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "phases", "transition", "--simple", "1,0;0,1", "--simple-loss", "0.01", "--complex", "1,1");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("λ", run.Stdout + run.Stderr);
    }
}
