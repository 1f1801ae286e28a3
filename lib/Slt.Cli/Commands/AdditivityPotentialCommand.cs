using System.ComponentModel;
using Slt.Additivity;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt additivity potential</c>: λ of a potential against the sum over its parts, exactly (quadrature, the λ/m
/// rules) and by SGLD, with the gaps, their standard errors and the verdicts (docs/additivity.md §1).</summary>
internal sealed class AdditivityPotentialCommand : Command<AdditivityPotentialCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--terms <TERMS>")]
        [Description("The whole potential as in docs/ground-truth.md, e.g. \"1,0;0,2\" (w₁² + w₂⁴) or \"1,0;1,1\" (w₁² + w₁²w₂²). Default \"1,0;0,2\".")]
        public string Terms { get; init; } = "1,0;0,2";

        [CommandOption("--parts <GROUPS>")]
        [Description("The parts as groups of the whole's term indices (0-based), e.g. \"0;1\" or \"0,1;2\"; every term in exactly one part. Default: one part per block of connected variables.")]
        public string? Parts { get; init; }

        [CommandOption("--sample-size <N>")]
        [Description("n: the evidence Z_n and F_n = −log Z_n are taken at t = n; also --n. Default 1000.")]
        public double N { get; init; } = 1000;

        [CommandOption("--nbeta <NBETA>")]
        [Description("The temperature λ̂ and E_t[[tK]] are taken at (default n; n / log n is WBIC's).")]
        public double? NBeta { get; init; }

        [CommandOption("--chains <C>")]
        [Description("Chains per piece (default 64).")]
        public int Chains { get; init; } = 64;

        [CommandOption("--burn-in <STEPS>")]
        [Description("Burn-in steps per piece (default: the validated schedule of slt llc potential).")]
        public int? BurnIn { get; init; }

        [CommandOption("--draws <D>")]
        public int? Draws { get; init; }

        [CommandOption("--steps-between-draws <K>")]
        public int? StepsBetweenDraws { get; init; }

        [CommandOption("--seed <SEED>")]
        [Description("Base seed; piece i (0 the whole) samples with 1009·seed + i.")]
        public long Seed { get; init; } = 1;

        [CommandOption("--json")]
        [Description("Print the result as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (!(N > 1) || !double.IsFinite(N)) return ValidationResult.Error($"--n must be finite and > 1, got {N}.");
            if (NBeta is double nb && !(nb > 0 && double.IsFinite(nb))) return ValidationResult.Error($"--nbeta must be positive, got {nb}.");
            if (Chains < 2) return ValidationResult.Error($"--chains must be at least 2, got {Chains}.");
            if (Draws is < 4) return ValidationResult.Error($"--draws must be at least 4, got {Draws}.");
            if (BurnIn is < 0) return ValidationResult.Error($"--burn-in must be ≥ 0, got {BurnIn}.");
            if (StepsBetweenDraws is < 1) return ValidationResult.Error($"--steps-between-draws must be ≥ 1, got {StepsBetweenDraws}.");
            try { _ = Partition(); }
            catch (FormatException e) { return ValidationResult.Error(e.Message); }
            catch (ArgumentException e) { return ValidationResult.Error((Parts is null ? "--terms: " : "--parts: ") + e.Message.Split(" (Parameter")[0]); }
            return ValidationResult.Success();
        }

        internal PotentialPartition Partition()
        {
            NormalCrossingPotential whole;
            try { whole = NormalCrossingPotential.Parse(Terms); }
            catch (FormatException e) { throw new FormatException("--terms: " + e.Message, e); }
            if (Parts is null) return PotentialPartition.Blocks(whole);
            try { return PotentialPartition.Parse(whole, Parts); }
            catch (FormatException e) { throw new FormatException("--parts: " + e.Message, e); }
        }

        internal PotentialAdditivitySettings Additivity() => new()
        {
            SampleSize = N, NBeta = NBeta, Chains = Chains, BurnIn = BurnIn, Draws = Draws, StepsBetweenDraws = StepsBetweenDraws, Seed = Seed,
        };
    }

    public override int Execute(CommandContext context, Settings o, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize();
        var partition = o.Partition();
        var status = o.Json ? null : new Progress<string>(s => AnsiConsole.MarkupLine($"[grey]SGLD {Markup.Escape(s)}[/]"));
        var r = PotentialAdditivity.Estimate(partition, o.Additivity(), status, cancellationToken);
        if (o.Json)
        {
            Console.WriteLine(EstimateReport.Format(r.ToJson()));
        }
        else
        {
            Print(r);
        }
        return ExitCodes.For(r.Trust, r.HasNumbers);
    }

    private static void Print(PotentialAdditivity r)
    {
        AnsiConsole.MarkupLine(Markup.Escape($"K = {r.Partition.WholeFormula} (\"{r.Partition.Whole.Notation}\"), parts \"{r.Partition.Notation}\" "
            + $"({(r.Disjoint ? "disjoint variables" : "shared variables")}); F_n at n = {r.Settings.SampleSize:G}, λ̂ and E_t[tK] at t = nβ = {r.Settings.SamplingTemperature:G}."));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in new[] { "piece", "F_n", "E_t[tK]", "λ (m)", "λ̂ ± se", "run" }) table.AddColumn(Markup.Escape(h));
        foreach (var p in r.Pieces)
            table.AddRow(Cells($"{p.Name}: {p.Formula}", F(p.FreeEnergy), F(p.ExpectedTK),
                p.Coefficient is { } c ? $"{c.Lambda:G4} ({c.Multiplicity})" : "unknown",
                p.LambdaHat is double h ? $"{h:F4} ± {p.LambdaHatStandardError:F4}" : "none (divergent)",
                p.Estimate?.Diagnostics.Trust.ToString() ?? ""));
        table.AddRow(Cells("whole − Σ parts", F(r.FreeEnergyGap), F(r.ExpectedTKGap),
            r.LambdaGap is double lg ? $"{lg:G4}" + (r.MultiplicityGap is int mg ? $" ({mg})" : "") : "unknown",
            r.LambdaHatGap is double g ? $"{g:F4} ± {r.LambdaHatGapStandardError:F4}" : "none", ""));
        AnsiConsole.Write(table);
        foreach (var p in r.Pieces.Where(p => p.Coefficient is not null))
            AnsiConsole.MarkupLine(Markup.Escape($"λ of {p.Name}: {p.Coefficient!.Rule}."));
        AnsiConsole.MarkupLine(Markup.Escape(r.ExactVerdict));
        if (r.FreeEnergyBoundsHold is bool fb) AnsiConsole.MarkupLine(Markup.Escape($"Bounds max F_p ≤ F ≤ Σ F_p (exact, every n): {(fb ? "hold" : "FAIL")}."));
        AnsiConsole.MarkupLine(Markup.Escape(r.LambdaBoundsHold is bool lb ? $"Bounds max λ_p ≤ λ ≤ Σ λ_p (exact): {(lb ? "hold" : "FAIL")}." : "Bounds max λ_p ≤ λ ≤ Σ λ_p: λ unknown for a piece."));
        AnsiConsole.MarkupLine(Markup.Escape(r.EstimatedVerdict));
        foreach (var p in r.Pieces.Where(p => p.Estimate is not null))
            AnsiConsole.MarkupLine(Markup.Escape($"{p.Name}: {p.Estimate!.Diagnostics.Verdict}"));
    }

    private static string[] Cells(params string[] cells) => cells.Select(Markup.Escape).ToArray();

    private static string F(double? v) => v is double d ? $"{d:F4}" : "unknown";
}
