using System.ComponentModel;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt free-energy</c>: exact free energy, thermodynamic integration and WBIC for a potential.</summary>
internal sealed class FreeEnergyCommand : Command<FreeEnergyCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <MODEL>")]
        [Description("potential (the only model with an exact free energy here)")]
        public string Model { get; init; } = "potential";

        [CommandOption("--terms <TERMS>")]
        [Description("Potential terms as in docs/ground-truth.md, e.g. \"1,1\".")]
        public string Terms { get; init; } = "1,1";

        [CommandOption("--sample-size <N>")]
        [Description("Sample size n (L_n = K); also --n. Default 1000.")]
        public long N { get; init; } = 1000;

        [CommandOption("--chains <C>")]
        public int Chains { get; init; } = 128;

        [CommandOption("--seed <SEED>")]
        public long Seed { get; init; } = 1;

        [CommandOption("--json")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Model != "potential" ? ValidationResult.Error($"--model must be potential, got '{Model}'.")
            : N < 3 ? ValidationResult.Error($"--n must be ≥ 3, got {N}.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings o, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize();
        var status = o.Json ? null : new Progress<string>(s => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(s)}[/]"));
        var r = GroundTruthCases.EstimateFreeEnergy(o.Terms, o.N, o.Chains, o.Seed, status);
        if (o.Json)
        {
            Console.WriteLine(EstimateReport.Format(EstimateReport.ToJson(r)));
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("quantity").AddColumn("value");
            table.AddRow("exact F_n (quadrature)", $"{r.Exact:F4}");
            table.AddRow("thermodynamic integration", r.ThermodynamicIntegration is double f ? $"{f:F4} ± {r.ThermodynamicIntegrationSe:F4} ({r.RelativeError:P2})" : "none (divergent)");
            table.AddRow("WBIC", r.Wbic is double w ? $"{w:F4} ± {r.WbicSe:F4} (exact {r.ExactWbic:F4})" : "none (divergent)");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(Markup.Escape(r.Verdict));
        }
        return ExitCodes.For(r.Trust, r.ThermodynamicIntegration is not null);
    }
}
