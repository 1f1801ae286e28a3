using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Slt.Estimators;
using Slt.Losses;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt bench</c>: SGLD/SGD step cost on the default transformer, batched potential and deep-linear-network
/// throughput, memory; a table, or one JSON object with <c>--json</c>.</summary>
internal sealed class BenchCommand : Command<BenchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--windows <LIST>")]
        [Description("Batch sizes (windows) of the transformer step benchmark, comma-separated. Default 16,64.")]
        public string Windows { get; init; } = "16,64";

        [CommandOption("--transformer-steps <S>")]
        [Description("Steps per measurement of the transformer step benchmark (six rounds of SGD, SGLD, SGLD with MALA). Default 40.")]
        public int TransformerSteps { get; init; } = 40;

        [CommandOption("--chains <LIST>")]
        [Description("Chains of the batched potential benchmark (w₁²w₂², nβ = 1000, ε = 1e-4), comma-separated for several runs. Default 100000.")]
        public string Chains { get; init; } = "100000";

        [CommandOption("--potential-steps <S>")]
        [Description("Steps per chain of the potential benchmark (half burn-in). Default 1000.")]
        public int PotentialSteps { get; init; } = 1000;

        [CommandOption("--dln-chains <C>")]
        [Description("Chains of the deep-linear-network benchmark ([5,3,5], rank 0, ε = 2e-5, γ = 1, nβ = n/log n). Default 4.")]
        public int DlnChains { get; init; } = 4;

        [CommandOption("--dln-steps <S>")]
        [Description("Steps per chain of the deep-linear-network benchmark (a third burn-in, then a draw every step). Default 4500.")]
        public int DlnSteps { get; init; } = 4500;

        [CommandOption("--dln-n <N>")]
        [Description("Sample size n of the deep-linear-network benchmark. Default 100000.")]
        public long DlnN { get; init; } = 100_000;

        [CommandOption("--dln-batch <B>")]
        [Description("Mini-batch size of the deep-linear-network benchmark. Default 1000.")]
        public int DlnBatch { get; init; } = 1000;

        [CommandOption("--skip-llc")]
        [Description("Skip the default transformer LLC (trains the default recipe once if the training cache lacks it, then about a minute).")]
        public bool SkipLlc { get; init; }

        [CommandOption("--memory-steps <S>")]
        [Description("SGLD steps of the memory benchmark. Default 10000.")]
        public int MemorySteps { get; init; } = 10_000;

        [CommandOption("--threads <N>")]
        [Description("libtorch threads (default 1: small models run fastest on one).")]
        public int Threads { get; init; } = 1;

        [CommandOption("--json")]
        [Description("Print the figures as one JSON object (no table, no progress lines).")]
        public bool Json { get; init; }

        internal int[] WindowSizes => List(Windows);

        internal int[] ChainCounts => List(Chains);

        private static int[] List(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : 0).ToArray();

        public override ValidationResult Validate() =>
            WindowSizes is not { Length: > 0 } w || w.Any(v => v < 1) ? ValidationResult.Error($"--windows must list positive integers, got '{Windows}'.")
            : TransformerSteps < 10 ? ValidationResult.Error($"--transformer-steps must be ≥ 10, got {TransformerSteps}.")
            : ChainCounts is not { Length: > 0 } c || c.Any(v => v < 1) ? ValidationResult.Error($"--chains must list positive integers, got '{Chains}'.")
            : PotentialSteps < 20 ? ValidationResult.Error($"--potential-steps must be ≥ 20, got {PotentialSteps}.")
            : DlnChains < 1 ? ValidationResult.Error($"--dln-chains must be ≥ 1, got {DlnChains}.")
            : DlnSteps < 12 ? ValidationResult.Error($"--dln-steps must be ≥ 12, got {DlnSteps}.")
            : DlnN < 3 ? ValidationResult.Error($"--dln-n must be ≥ 3, got {DlnN}.")
            : DlnBatch < 1 ? ValidationResult.Error($"--dln-batch must be ≥ 1, got {DlnBatch}.")
            : MemorySteps < 100 ? ValidationResult.Error($"--memory-steps must be ≥ 100, got {MemorySteps}.")
            : Threads < 1 ? ValidationResult.Error($"--threads must be ≥ 1, got {Threads}.")
            : ValidationResult.Success();
    }

    private static readonly int[] DlnWidths = [5, 3, 5];

    /// <summary>The peer script's transformer settings (ε = 1e-5, γ = 2000, nβ = n / log n with n = 256 × (C − 1) pairs and the
    /// per-pair mean loss), so that one step does the same work on both sides.</summary>
    private static SgldSettings TransformerSgld(CorpusSpec spec)
    {
        double n = (double)NextTokenTarget.DefaultWindows * (spec.ContextLength - 1);
        return new SgldSettings { StepSize = 1e-5, Localization = 2000, NBeta = n / Math.Log(n), BatchSize = 16 };
    }

    public override int Execute(CommandContext context, Settings o, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(o.Threads);
        void Note(string text)
        {
            if (!o.Json) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
        }

        Note("SGLD vs SGD on the default transformer …");
        var spec = CorpusSpec.Default;
        var model = new Transformer(TransformerConfig.For(spec), seed: 1);
        long parameters = model.parameters().Sum(p => p.numel());
        var steps = new List<(int Windows, StepCost Cost)>();
        foreach (int windows in o.WindowSizes)
        {
            var batch = new CorpusGenerator(new TrueDistribution(spec)).Sample(count: windows, seed: 7).ToTensor();
            steps.Add((windows, SamplerBenchmarks.SgldOverSgd(model, () => NextTokenLoss.Mean(model, batch), steps: o.TransformerSteps, sgld: TransformerSgld(spec))));
        }

        var potential = new List<(int Chains, Throughput Plain, Throughput Mala)>();
        foreach (int chains in o.ChainCounts)
        {
            Note($"batched potential, {chains} chains …");
            potential.Add((chains, SamplerBenchmarks.Potential("1,1", chains, o.PotentialSteps),
                SamplerBenchmarks.Potential("1,1", chains, o.PotentialSteps, trackMala: true)));
        }

        Note($"deep linear network [5,3,5], {o.DlnChains} chains …");
        var dln = SamplerBenchmarks.DeepLinear(DlnWidths, 0, o.DlnN, o.DlnBatch, o.DlnChains, o.DlnSteps);

        Note($"memory over {o.MemorySteps} SGLD steps …");
        var memory = SamplerBenchmarks.Memory(o.MemorySteps);

        LlcResult? llc = null;
        if (!o.SkipLlc)
        {
            Note("the default transformer LLC (NextTokenTarget.DefaultSettings) …");
            llc = SamplerBenchmarks.DefaultTransformerLlc();
        }

        if (o.Json)
        {
            Console.WriteLine(EstimateReport.Format(ToJson(o, parameters, steps, potential, dln, memory, llc)));
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("benchmark").AddColumn("figure");
        foreach (var (windows, cost) in steps)
        {
            table.AddRow($"SGD step (default transformer, batch {windows}), CPU time", $"{cost.SgdMillisecondsPerStep:F2} ms");
            table.AddRow("  SGLD step (same model and batch)", $"{cost.SgldMillisecondsPerStep:F2} ms");
            table.AddRow("  SGLD step / SGD step", $"{cost.Ratio:F3}" + (cost.Ratio <= 1.15 ? " (≤ 1.15)" : " [red](> 1.15)[/]"));
            table.AddRow("  SGLD step with MALA tracking / SGD step", $"{cost.RatioWithMala:F3}");
        }
        foreach (var (chains, plain, mala) in potential)
        {
            double rate = plain.ChainStepsPerCpuSecond;
            string mark = chains >= 10_000 ? (rate >= 1e6 ? " (≥ 10⁶)" : " [red](< 10⁶)[/]") : "";
            table.AddRow($"w₁²w₂², {chains} chains as one tensor, {o.PotentialSteps} steps", $"{rate:E3} chain-steps per CPU second" + mark);
            table.AddRow("  the same with MALA tracking", $"{mala.ChainStepsPerCpuSecond:E3} chain-steps per CPU second");
        }
        table.AddRow(Markup.Escape($"DLN [5,3,5] r = 0, n = {o.DlnN}, batch {o.DlnBatch}, {o.DlnChains} chains × {o.DlnSteps} steps"),
            $"{dln.ChainStepsPerCpuSecond:E3} chain-steps per CPU second");
        table.AddRow($"RSS over {memory.Steps} SGLD steps (start / middle / end)", $"{memory.StartMiB:F1} / {memory.MiddleMiB:F1} / {memory.EndMiB:F1} MiB");
        table.AddRow("  growth, middle → end", $"{memory.LateGrowthMiB:+0.0;-0.0} MiB");
        if (llc is not null)
            table.AddRow(Markup.Escape($"default transformer LLC: λ̂ = {llc.Mean:F1} ± {llc.StandardError:F1}, bulk-ESS {llc.Diagnostics.Ess:F0}, {llc.Diagnostics.Trust}"),
                $"{llc.Diagnostics.Ess / llc.Run.CpuSeconds:F3} ESS per CPU second ({llc.Run.CpuSeconds:F0} CPU s, {llc.Run.Seconds:F0} s wall, {llc.Run.ParallelGroups} groups at once)");
        table.AddRow("libtorch threads", TorchRuntime.Threads.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>
    /// The figures as one object: transformer_step (one entry per batch size), potential (one per chain count),
    /// deep_linear_network, memory, default_llc (the estimate's report, null with --skip-llc) and
    /// default_llc_ess_per_cpu_second (bulk-ESS over the process CPU seconds of that run).
    /// Times are process CPU time; null, never NaN, where there is no number.
    /// </summary>
    internal static JsonObject ToJson(Settings o, long parameters, IEnumerable<(int Windows, StepCost Cost)> steps,
        IEnumerable<(int Chains, Throughput Plain, Throughput Mala)> potential, Throughput dln, MemoryTrace memory, LlcResult? llc) => new()
    {
        ["threads"] = TorchRuntime.Threads,
        ["time"] = "process CPU time",
        ["transformer_step"] = new JsonObject
        {
            ["model"] = "default transformer",
            ["parameters"] = parameters,
            ["steps_per_measurement"] = o.TransformerSteps,
            ["step_size"] = TransformerSgld(CorpusSpec.Default).StepSize,
            ["localization"] = TransformerSgld(CorpusSpec.Default).Localization,
            ["nbeta"] = Number(TransformerSgld(CorpusSpec.Default).NBeta!.Value),
            ["sizes"] = new JsonArray(steps.Select(s => (JsonNode?)new JsonObject
            {
                ["windows"] = s.Windows,
                ["sgd_ms"] = Number(s.Cost.SgdMillisecondsPerStep),
                ["sgld_ms"] = Number(s.Cost.SgldMillisecondsPerStep),
                ["sgld_with_mala_ms"] = Number(s.Cost.SgldWithMalaMillisecondsPerStep),
                ["sgld_over_sgd"] = Number(s.Cost.Ratio),
                ["sgld_with_mala_over_sgd"] = Number(s.Cost.RatioWithMala),
            }).ToArray()),
        },
        ["potential"] = new JsonArray(potential.Select(p => (JsonNode?)new JsonObject
        {
            ["terms"] = "1,1",
            ["nbeta"] = 1000.0,
            ["step_size"] = 1e-4,
            ["chains"] = p.Chains,
            ["steps_per_chain"] = p.Plain.StepsPerChain,
            ["chain_steps_per_cpu_s"] = Number(p.Plain.ChainStepsPerCpuSecond),
            ["chain_steps_per_wall_s"] = Number(p.Plain.ChainStepsPerWallSecond),
            ["chain_steps_per_cpu_s_with_mala"] = Number(p.Mala.ChainStepsPerCpuSecond),
        }).ToArray()),
        ["deep_linear_network"] = new JsonObject
        {
            ["widths"] = new JsonArray(DlnWidths.Select(w => (JsonNode?)w).ToArray()),
            ["rank"] = 0,
            ["sample_size"] = o.DlnN,
            ["batch_size"] = o.DlnBatch,
            ["step_size"] = 2e-5,
            ["localization"] = 1.0,
            ["nbeta"] = Number(o.DlnN / Math.Log(o.DlnN)),
            ["chains"] = dln.Chains,
            ["steps_per_chain"] = dln.StepsPerChain,
            ["chain_steps_per_cpu_s"] = Number(dln.ChainStepsPerCpuSecond),
            ["chain_steps_per_wall_s"] = Number(dln.ChainStepsPerWallSecond),
        },
        ["memory"] = new JsonObject
        {
            ["steps"] = memory.Steps,
            ["rss_start_mib"] = Number(memory.StartMiB),
            ["rss_middle_mib"] = Number(memory.MiddleMiB),
            ["rss_end_mib"] = Number(memory.EndMiB),
            ["late_growth_mib"] = Number(memory.LateGrowthMiB),
        },
        ["default_llc"] = llc is null ? null : EstimateReport.ToJson(llc),
        ["default_llc_ess_per_cpu_second"] = llc is null ? null : Number(llc.Diagnostics.Ess / llc.Run.CpuSeconds),
    };

    private static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
