using System.Globalization;
using System.Text.Json.Nodes;
using Slt.Diagnostics;

namespace Slt.Tests.Cli;

public sealed class DiagnosticsCommandTests
{
    private static string Write(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"slt-diagnostics-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }

    private static double Value(int c, int k) => Math.Sin(0.7 * k + c) + 0.001 * k;

    [Fact]
    public void GoodFileGivesEveryKeyAndTheLibrarysNumbers()
    {
        // Columns out of order, an extra column, the value column named excess as slt llc --traces writes it.
        var rows = from c in Enumerable.Range(0, 4) from k in Enumerable.Range(0, 50)
                   select string.Create(CultureInfo.InvariantCulture, $"{Value(c, k):R},x,{k},{c}");
        string path = Write("excess,note,draw,chain\n" + string.Join('\n', rows) + "\n");
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "diagnostics", "--traces", path, "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        foreach (var key in new[] { "rhat", "ess_bulk", "ess_tail", "mcse_mean", "mean", "chains", "draws", "trust", "verdict" })
            Assert.True(json.ContainsKey(key), $"missing {key}");
        var expected = ChainSummary.Compute(Enumerable.Range(0, 4).Select(c => Enumerable.Range(0, 50).Select(k => Value(c, k)).ToArray()).ToArray());
        Assert.Equal(expected.RHat, json["rhat"]!.GetValue<double>(), 12);
        Assert.Equal(expected.EssBulk, json["ess_bulk"]!.GetValue<double>(), 9);
        Assert.Equal(4, json["chains"]!.GetValue<int>());
        Assert.Equal(50, json["draws"]!.GetValue<int>());
        Assert.Equal(expected.TrustLevel().ToString(), json["trust"]!.GetValue<string>());
    }

    [Fact]
    public void ChainsConstantWithinButDifferentBetweenGiveANullRHatAndDoNotTrust()
    {
        string path = Write("chain,draw,value\n" + string.Join('\n', from c in Enumerable.Range(0, 2) from k in Enumerable.Range(0, 6) select $"{c},{k},{c}") + "\n");
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "diagnostics", "--traces", path, "--json");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!.AsObject();
        Assert.Null(json["rhat"]);
        Assert.Equal("Untrustworthy", json["trust"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("chain,value\n0,1\n", "line 1")]
    [InlineData("chain,draw,value\n0,0,1\n0,1,2\n0,2,3\n0,3,4\n1,0,1\n1,1,2\n1,2,3\n", "ragged")]
    [InlineData("chain,draw,value\n0,0,1\n0,1,abc\n", "line 3")]
    [InlineData("chain,draw,value\n0,0,1\n0,1,2\n0,0,3\n", "already appeared on line 2")]
    [InlineData("chain,draw,value\n0,0,1\n", "at least 4 draws")]
    [InlineData("chain,draw,value\n0,0,1\n0,1,NaN\n", "not a finite number")]
    public void BadFilesGiveAnErrorNamingTheProblem(string text, string message)
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "diagnostics", "--traces", Write(text));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Stdout + run.Stderr);
    }

    [Fact]
    public void MissingTracesOptionIsAUsageError()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "diagnostics");
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("--traces", run.Stdout + run.Stderr);
    }
}
