using System.ComponentModel;
using System.Globalization;
using Slt.Contexts;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt contexts composite --widths H1,...,H(L+1)</c>: the exact mother/daughter pair of a product map (docs/contexts.md,
/// "Mother against daughter, exactly"): both learning coefficients estimated on one data set, beside their exact values.
/// </summary>
internal sealed class ContextsCompositeCommand : Command<ContextsCompositeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--widths <WIDTHS>")]
        [Description("Widths of the product map F(w) = W_L ⋯ W_1, input first, at least three, e.g. 1,3,5 (as for slt llc --model dln). The daughter is one matrix D of H(L+1) × H1. Default 1,3,5.")]
        public string Widths { get; init; } = "1,3,5";

        [CommandOption("--rank <R>")]
        [Description("Rank r of the teacher D* = F(w*), 0..min width. Default 0 (w* = the origin): the rank under which --widths 1,3,5 gives λ_mother = 3/2 against λ_daughter = 5/2 (at r = 1 both are 5/2).")]
        public int Rank { get; init; }

        [CommandOption("--sample-size <N>")]
        [Description("n, the data points both models are estimated on; also --n. Default 100000.")]
        public long N { get; init; } = ProductComposite.DefaultSampleSize;

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the teacher, the data and the sampler. Default 1.")]
        public long Seed { get; init; } = 1;

        [CommandOption("--population")]
        [Description("Use the population loss K instead of a sample of size n (no sample, no fluctuation correction).")]
        public bool Population { get; init; }

        [CommandOption("--nbeta <NBETA>")]
        [Description("nβ of both runs. Default 500 (β = 0.005 at the default n; see docs/contexts.md for why not n/log n).")]
        public double? NBeta { get; init; }

        [CommandOption("--gamma <GAMMA>")]
        [Description("Localization γ of both runs. Default 1.")]
        public double? Gamma { get; init; }

        [CommandOption("--chains <C>")]
        [Description("Chains of each run. Default 32.")]
        public int? Chains { get; init; }

        [CommandOption("--draws <D>")]
        [Description("Recorded draws per chain of each run. Default 50.")]
        public int? Draws { get; init; }

        [CommandOption("--epsilon <EPS>")]
        [Description("Mother: SGLD step size ε. Default 0.02/nβ (4e-5).")]
        public double? Epsilon { get; init; }

        [CommandOption("--burn-in <STEPS>")]
        [Description("Mother: burn-in steps. Default 120·nβ (60000).")]
        public int? BurnIn { get; init; }

        [CommandOption("--steps-between-draws <K>")]
        [Description("Mother: SGLD steps between recorded draws. Default 0.8·nβ (400).")]
        public int? StepsBetweenDraws { get; init; }

        [CommandOption("--daughter-epsilon <EPS>")]
        [Description("Daughter: SGLD step size ε. Default 0.02/nβ (4e-5).")]
        public double? DaughterEpsilon { get; init; }

        [CommandOption("--daughter-burn-in <STEPS>")]
        [Description("Daughter: burn-in steps. Default 4·nβ (2000).")]
        public int? DaughterBurnIn { get; init; }

        [CommandOption("--daughter-steps-between-draws <K>")]
        [Description("Daughter: SGLD steps between recorded draws. Default 0.4·nβ (200).")]
        public int? DaughterStepsBetweenDraws { get; init; }

        [CommandOption("--json")]
        [Description("Print the result as JSON: lambda_mother_exact/_hat/_se, lambda_daughter_exact/_hat/_se, multiplicities, verdicts, and each run's full report.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (ParseWidths(Widths) is null)
                return ValidationResult.Error($"--widths must be comma-separated positive integers, input first, e.g. 1,3,5; got '{Widths}'.");
            if (NBeta is double nb && !(nb > 0 && double.IsFinite(nb))) return ValidationResult.Error($"--nbeta must be positive, got {nb}.");
            if (Gamma is double g && !(g >= 0 && double.IsFinite(g))) return ValidationResult.Error($"--gamma must be ≥ 0, got {g}.");
            if (Epsilon is double e && !(e > 0 && double.IsFinite(e))) return ValidationResult.Error($"--epsilon must be positive, got {e}.");
            if (DaughterEpsilon is double de && !(de > 0 && double.IsFinite(de))) return ValidationResult.Error($"--daughter-epsilon must be positive, got {de}.");
            if (Chains is < 1) return ValidationResult.Error($"--chains must be at least 1, got {Chains}.");
            if (Draws is < 4) return ValidationResult.Error($"--draws must be at least 4, got {Draws}.");
            if (BurnIn is < 0 || DaughterBurnIn is < 0) return ValidationResult.Error("--burn-in and --daughter-burn-in must be ≥ 0.");
            if (StepsBetweenDraws is < 1 || DaughterStepsBetweenDraws is < 1) return ValidationResult.Error("--steps-between-draws and --daughter-steps-between-draws must be ≥ 1.");
            return ValidationResult.Success();
        }

        internal static int[]? ParseWidths(string text)
        {
            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            var widths = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out widths[i]) || widths[i] <= 0) return null;
            return widths;
        }
    }

    public override int Execute(CommandContext context, Settings o, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize();
        var composite = new ProductComposite(Settings.ParseWidths(o.Widths)!, o.Rank, o.N, o.Seed, o.Population ? LossSource.Population : LossSource.Sample);
        var (mother, daughter) = SamplerSettings(composite, o);
        var estimate = Progress.Run(o.Json, "SGLD (mother, then daughter)", progress => composite.Estimate(mother, daughter, progress, cancellationToken));
        if (o.Json) Console.WriteLine(EstimateReport.Format(estimate.ToJson()));
        else Print(estimate);
        return ExitCodes.For(estimate.Trust, estimate.HasNumbers);
    }

    /// <summary>The defaults of <see cref="ProductComposite"/> at the chosen nβ (ε, burn-in and thinning follow it), with the
    /// command line's overrides.</summary>
    internal static (SgldSettings Mother, SgldSettings Daughter) SamplerSettings(ProductComposite composite, Settings o)
    {
        double nBeta = o.NBeta ?? ProductComposite.DefaultNBeta;
        int chains = o.Chains ?? ProductComposite.DefaultChains;
        var m = composite.MotherSettings(nBeta, chains);
        var d = composite.DaughterSettings(nBeta, chains);
        m = m with
        {
            StepSize = o.Epsilon ?? m.StepSize, Localization = o.Gamma ?? m.Localization, Draws = o.Draws ?? m.Draws,
            BurnIn = o.BurnIn ?? m.BurnIn, StepsBetweenDraws = o.StepsBetweenDraws ?? m.StepsBetweenDraws,
        };
        d = d with
        {
            StepSize = o.DaughterEpsilon ?? d.StepSize, Localization = o.Gamma ?? d.Localization, Draws = o.Draws ?? d.Draws,
            BurnIn = o.DaughterBurnIn ?? d.BurnIn, StepsBetweenDraws = o.DaughterStepsBetweenDraws ?? d.StepsBetweenDraws,
        };
        return (m, d);
    }

    private static void Print(ProductCompositeEstimate e)
    {
        var c = e.Composite;
        string Hat(double? v, double? se) => v is double x ? $"{x:F4} ± {se:F4}" : "[red]none (divergent)[/]";
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn("mother: F(w) = W_L ⋯ W_1").AddColumn("daughter: D");
        table.AddRow("widths", Markup.Escape($"[{string.Join(",", c.Widths)}], d = {c.MotherDimension}"), Markup.Escape($"[{string.Join(",", c.DaughterWidths)}], d = {c.DaughterDimension}"));
        table.AddRow("w*", c.Rank == 0 ? "the origin" : $"the teacher, rank {c.Rank}", c.Rank == 0 ? "D* = 0" : $"D* = F(w*), rank {c.Rank}");
        table.AddRow("λ exact (m)", $"{c.Mother.Lambda:G6} ({c.Mother.Multiplicity})", $"{c.Daughter.Lambda:G6} (1)");
        table.AddRow(e.Corrected ? "λ̂ + βν̂" : "λ̂", Hat(e.MotherHat, e.MotherStandardError), Hat(e.DaughterHat, e.DaughterStandardError));
        if (e.Corrected) table.AddRow("raw λ̂", Hat(e.Mother.Mean, e.Mother.StandardError), Hat(e.Daughter.Mean, e.Daughter.StandardError));
        table.AddRow("R̂ / bulk-ESS / MALA", Diagnostics(e.Mother), Diagnostics(e.Daughter));
        table.AddRow("ε, chains × draws", Run(e.Mother), Run(e.Daughter));
        table.AddRow("verdict", e.Mother.Diagnostics.Trust.ToString(), e.Daughter.Diagnostics.Trust.ToString());
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape(
            $"λ_daughter − λ_mother: exact {c.Gap:G6}, estimated {(e.GapHat is double g ? $"{g:F4} ± {e.GapStandardError:F4}" : "none")} (nβ = {e.Mother.NBeta:G6}, n = {c.SampleSize})."));
        AnsiConsole.MarkupLine(Markup.Escape("Mother: " + e.Mother.Diagnostics.Verdict));
        AnsiConsole.MarkupLine(Markup.Escape("Daughter: " + e.Daughter.Diagnostics.Verdict));
        if (e.Mother.Shortfall is { } sf) AnsiConsole.MarkupLine(Markup.Escape("Mother: " + sf.Statement));
    }

    private static string Diagnostics(LlcResult r) => $"{r.Diagnostics.RHat:F3} / {r.Diagnostics.Ess:F0} / {r.Diagnostics.MalaAcceptance:F3}";

    private static string Run(LlcResult r) => $"{r.Run.Settings.StepSize:G3}, {r.Run.Chains} × {r.Run.Settings.Draws} ({r.Run.Seconds:F1} s)";
}
