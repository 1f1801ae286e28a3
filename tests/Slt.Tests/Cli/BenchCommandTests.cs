using System.Text.Json.Nodes;

namespace Slt.Tests.Cli;

[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class BenchCommandTests
{
    [Fact]
    public void JsonIsOneObjectWithEveryFigure()
    {
        // Tiny sizes: the shape, not the speed (a few seconds).
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "bench", "--json", "--skip-llc", "--windows", "2,3", "--transformer-steps", "10",
            "--chains", "4,16", "--potential-steps", "40", "--dln-chains", "2", "--dln-steps", "30", "--dln-n", "500", "--dln-batch", "50",
            "--memory-steps", "100");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var json = JsonNode.Parse(run.Stdout)!.AsObject(); // nothing but the object on stdout

        Assert.Equal(1, json["threads"]!.GetValue<int>());
        var transformer = json["transformer_step"]!.AsObject();
        Assert.Equal(108_211, transformer["parameters"]!.GetValue<long>());
        var sizes = transformer["sizes"]!.AsArray();
        Assert.Equal([2, 3], sizes.Select(s => s!["windows"]!.GetValue<int>()));
        foreach (var s in sizes)
        {
            foreach (var key in new[] { "sgd_ms", "sgld_ms", "sgld_with_mala_ms", "sgld_over_sgd", "sgld_with_mala_over_sgd" })
                Assert.True(s![key]!.GetValue<double>() > 0, $"{key} of {s}");
            Assert.Equal(s!["sgld_ms"]!.GetValue<double>() / s["sgd_ms"]!.GetValue<double>(), s["sgld_over_sgd"]!.GetValue<double>(), 9);
        }

        var potential = json["potential"]!.AsArray();
        Assert.Equal([4, 16], potential.Select(p => p!["chains"]!.GetValue<int>()));
        foreach (var p in potential)
        {
            Assert.Equal("1,1", p!["terms"]!.GetValue<string>());
            Assert.Equal(40, p["steps_per_chain"]!.GetValue<long>());
            foreach (var key in new[] { "chain_steps_per_cpu_s", "chain_steps_per_wall_s", "chain_steps_per_cpu_s_with_mala" })
                Assert.True(p[key]!.GetValue<double>() > 0, $"{key} of {p}");
        }

        var dln = json["deep_linear_network"]!.AsObject();
        Assert.Equal([5, 3, 5], dln["widths"]!.AsArray().Select(w => w!.GetValue<int>()));
        Assert.Equal(0, dln["rank"]!.GetValue<int>());
        Assert.Equal(500, dln["sample_size"]!.GetValue<long>());
        Assert.Equal(50, dln["batch_size"]!.GetValue<int>());
        Assert.Equal(2, dln["chains"]!.GetValue<int>());
        Assert.Equal(30, dln["steps_per_chain"]!.GetValue<long>());
        Assert.Equal(500 / Math.Log(500), dln["nbeta"]!.GetValue<double>(), 9);
        Assert.True(dln["chain_steps_per_cpu_s"]!.GetValue<double>() > 0);

        var memory = json["memory"]!.AsObject();
        Assert.Equal(100, memory["steps"]!.GetValue<long>());
        foreach (var key in new[] { "rss_start_mib", "rss_middle_mib", "rss_end_mib" })
            Assert.True(memory[key]!.GetValue<double>() > 0, key);
        Assert.True(memory.ContainsKey("late_growth_mib"));

        // Skipped here (--skip-llc): the default LLC takes about a minute.
        Assert.True(json.ContainsKey("default_llc_ess_per_cpu_second"));
        Assert.Null(json["default_llc_ess_per_cpu_second"]);
        Assert.Null(json["default_llc"]);
    }

    [Fact]
    public void BadListIsRejected()
    {
        var run = CliProcess.Run(TimeSpan.FromMinutes(1), "bench", "--json", "--windows", "16,x");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--windows", run.Stdout + run.Stderr);
    }
}
