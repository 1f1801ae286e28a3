using System.ComponentModel;
using Slt.Losses;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt bench</c>: SGLD/SGD step cost on the default transformer, batched potential throughput, memory.</summary>
internal sealed class BenchCommand : Command<BenchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--chains <C>")]
        [Description("Chains in the batched potential benchmark. Default 100000.")]
        public int Chains { get; init; } = 100_000;

        [CommandOption("--memory-steps <S>")]
        [Description("SGLD steps of the memory benchmark. Default 10000.")]
        public int MemorySteps { get; init; } = 10_000;

        [CommandOption("--threads <N>")]
        [Description("libtorch threads (default 1: small models run fastest on one).")]
        public int Threads { get; init; } = 1;

        public override ValidationResult Validate() =>
            Chains < 1 ? ValidationResult.Error($"--chains must be ≥ 1, got {Chains}.")
            : MemorySteps < 100 ? ValidationResult.Error($"--memory-steps must be ≥ 100, got {MemorySteps}.")
            : Threads < 1 ? ValidationResult.Error($"--threads must be ≥ 1, got {Threads}.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings o, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(o.Threads);
        var table = new Table().Border(TableBorder.Rounded).AddColumn("benchmark").AddColumn("figure");

        AnsiConsole.MarkupLine("[grey]SGLD vs SGD on the default transformer …[/]");
        var spec = CorpusSpec.Default;
        var model = new Transformer(TransformerConfig.For(spec), seed: 1);
        var batch = new CorpusGenerator(new TrueDistribution(spec)).Sample(count: 64, seed: 7).ToTensor();
        var cost = SamplerBenchmarks.SgldOverSgd(model, () => NextTokenLoss.Mean(model, batch), steps: 40);
        table.AddRow("SGD step (default transformer, batch 64), CPU time", $"{cost.SgdMillisecondsPerStep:F2} ms");
        table.AddRow("SGLD step (same model and batch)", $"{cost.SgldMillisecondsPerStep:F2} ms");
        table.AddRow("SGLD step / SGD step", $"{cost.Ratio:F3}" + (cost.Ratio <= 1.15 ? " (≤ 1.15)" : " [red](> 1.15)[/]"));
        table.AddRow("SGLD step with MALA tracking / SGD step", $"{cost.RatioWithMala:F3}");

        AnsiConsole.MarkupLine($"[grey]batched potential, {o.Chains} chains …[/]");
        double plain = SamplerBenchmarks.PotentialChainStepsPerSecond("1,1", o.Chains);
        double mala = SamplerBenchmarks.PotentialChainStepsPerSecond("1,1", o.Chains, trackMala: true);
        table.AddRow($"w₁²w₂², {o.Chains} chains as one tensor", $"{plain:E3} chain-steps/s" + (plain >= 1e6 ? " (≥ 10⁶)" : " [red](< 10⁶)[/]"));
        table.AddRow("  the same with MALA tracking", $"{mala:E3} chain-steps/s");

        AnsiConsole.MarkupLine($"[grey]memory over {o.MemorySteps} SGLD steps …[/]");
        var memory = SamplerBenchmarks.Memory(o.MemorySteps);
        table.AddRow($"RSS over {memory.Steps} SGLD steps (start / middle / end)", $"{memory.StartMiB:F1} / {memory.MiddleMiB:F1} / {memory.EndMiB:F1} MiB");
        table.AddRow("  growth, middle → end", $"{memory.LateGrowthMiB:+0.0;-0.0} MiB");
        table.AddRow("libtorch threads", TorchRuntime.Threads.ToString());
        AnsiConsole.Write(table);
        return 0;
    }
}
