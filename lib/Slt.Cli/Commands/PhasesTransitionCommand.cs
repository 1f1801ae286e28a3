using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.GroundTruth;
using Slt.Phases;
using Slt.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt phases transition [--pair default|quartic | --simple TERMS --simple-loss C --complex TERMS …] [--estimate]
/// [--noisy] [--json]</c>: a Bayesian phase transition computed exactly — the posterior mass of each region against n,
/// the exact n_c beside the asymptotic formula's with and without its lower-order terms, optionally the n_c estimated
/// by thermodynamic integration per region, and the random n_c of the model with sampling noise over data seeds
/// (docs/phases.md).
/// </summary>
internal sealed class PhasesTransitionCommand : Command<PhasesTransitionCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--pair <NAME>")]
        [Description("A built-in pair of regions: default (0.01 + w1²w2² against w1² + w2²) or quartic (0.01 + w1⁴, π = ¼, against w1² + w2²). Ignored with --simple.")]
        public string Pair { get; init; } = "default";

        [CommandOption("--simple <TERMS>")]
        [Description("The simple region's shape f as potential terms (docs/ground-truth.md), e.g. \"1,1\"; with --complex and --simple-loss.")]
        public string? SimpleTerms { get; init; }

        [CommandOption("--simple-loss <C>")]
        [Description("The simple region's loss c > 0 (its K = c + f).")]
        public double? SimpleLoss { get; init; }

        [CommandOption("--simple-prior <PI>")]
        [Description("The simple region's prior mass (default 0.5).")]
        public double SimplePrior { get; init; } = 0.5;

        [CommandOption("--complex <TERMS>")]
        [Description("The complex region's shape, e.g. \"1,0;0,1\".")]
        public string? ComplexTerms { get; init; }

        [CommandOption("--complex-loss <C>")]
        [Description("The complex region's loss (default 0), below the simple region's.")]
        public double ComplexLoss { get; init; }

        [CommandOption("--complex-prior <PI>")]
        [Description("The complex region's prior mass (default 0.5).")]
        public double ComplexPrior { get; init; } = 0.5;

        [CommandOption("--max-n <N>")]
        [Description("Largest n of the mass table (default 10 × the exact n_c).")]
        public double? MaxN { get; init; }

        [CommandOption("--estimate")]
        [Description("Also estimate n_c by thermodynamic integration per region (SGLD; about 15 s per run at 128 chains, two runs per point).")]
        public bool Estimate { get; init; }

        [CommandOption("--points <K>")]
        [Description("Sample sizes of the estimate (default 5), at least 3.")]
        public int Points { get; init; } = 5;

        [CommandOption("--chains <C>")]
        [Description("SGLD chains per run of the estimate (default 128).")]
        public int Chains { get; init; } = 128;

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the estimate's first run (default 1).")]
        public long Seed { get; init; } = 1;

        [CommandOption("--ship")]
        [Description("With --estimate or --noisy-estimate: always run them and write the results to data/results/ (the notebook reads them from there).")]
        public bool Ship { get; init; }

        [CommandOption("--noisy")]
        [Description("Also run the model with sampling noise (y ~ N(0, I), p(y|w) = N(g(w), I)) over data seeds: n_c per seed and its spread.")]
        public bool Noisy { get; init; }

        [CommandOption("--noisy-estimate")]
        [Description("With --noisy: also thermodynamic integration per region on the first 3 data seeds at n = 125, 250, 500, 1000, the estimated gaps and n_c against the exact ones (several minutes).")]
        public bool NoisyEstimate { get; init; }

        [CommandOption("--seeds <S>")]
        [Description("Data seeds of --noisy (default 100).")]
        public int Seeds { get; init; } = 100;

        [CommandOption("--json")]
        [Description("Print JSON instead of tables.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            bool custom = SimpleTerms is not null || ComplexTerms is not null || SimpleLoss is not null;
            if (custom && (SimpleTerms is null || ComplexTerms is null || SimpleLoss is null))
                return ValidationResult.Error("A custom pair needs --simple, --simple-loss and --complex together.");
            if (!custom && !RegionTransition.Named.ContainsKey(Pair))
                return ValidationResult.Error($"--pair must be one of {string.Join(", ", RegionTransition.Named.Keys)}, got '{Pair}'.");
            if (MaxN is double m && !(m > 3)) return ValidationResult.Error($"--max-n must exceed 3, got {m}.");
            if (Points < 3) return ValidationResult.Error($"--points must be at least 3, got {Points}.");
            if (Chains < 2) return ValidationResult.Error($"--chains must be at least 2, got {Chains}.");
            if (Ship && !Estimate && !NoisyEstimate) return ValidationResult.Error("--ship writes the --estimate or --noisy-estimate result; give one of them too.");
            if (NoisyEstimate && !Noisy) return ValidationResult.Error("--noisy-estimate needs --noisy.");
            if (Seeds is < 2 or > 10_000) return ValidationResult.Error($"--seeds must be in [2, 10000], got {Seeds}.");
            return ValidationResult.Success();
        }

        /// <summary>The pair the options name (validated: a bad shape or an ordering that is no transition throws).</summary>
        public RegionTransition Transition() => SimpleTerms is null
            ? RegionTransition.Named[Pair]
            : new RegionTransition(
                new PhaseRegion("simple", SimpleLoss!.Value, NormalCrossingPotential.Parse(SimpleTerms), SimplePrior),
                new PhaseRegion("complex", ComplexLoss, NormalCrossingPotential.Parse(ComplexTerms!), ComplexPrior)).Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        RegionTransition transition;
        try { transition = settings.Transition(); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 1;
        }
        var exact = transition.CriticalSampleSize();
        double maxN = settings.MaxN ?? 10 * (exact ?? 1000);
        var grid = RegionTransition.Grid(maxN, 25);
        var levels = Enum.GetValues<FreeEnergyTerms>();
        RegionTransitionEstimate? estimate = null;
        NoisyTransitionSpread? noisy = null;
        NoisyTransitionEstimate? noisyEstimate = null;
        var progress = settings.Json ? null : new Progress.InlineText(line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
        if (settings.Estimate)
        {
            TorchRuntime.Initialize();
            estimate = settings.Ship
                ? RegionTransitionEstimate.ShippedOrRun(transition, settings.Points, settings.Chains, settings.Seed, ship: true, progress: progress)
                : RegionTransitionEstimate.Run(transition, settings.Points, settings.Chains, settings.Seed, progress);
        }
        if (settings.Noisy)
        {
            progress?.Report($"sampling noise: {settings.Seeds} data seeds …");
            noisy = NoisyTransitionSpread.Run(seeds: settings.Seeds);
            if (settings.NoisyEstimate)
                noisyEstimate = settings.Ship ? NoisyTransitionEstimate.ShippedOrRun(ship: true, progress: progress) : NoisyTransitionEstimate.Run(progress: progress);
        }
        if (settings.Json)
        {
            var doc = new JsonObject
            {
                ["pair"] = transition.Summary(),
                ["exact_n_c"] = exact,
                ["predicted"] = new JsonArray(levels.Select(l => (JsonNode?)new JsonObject
                {
                    ["terms"] = RegionTransition.Describe(l), ["n_c"] = transition.PredictedCriticalSampleSize(l),
                }).ToArray()),
                ["masses"] = new JsonArray(grid.Select(n => (JsonNode?)new JsonObject
                {
                    ["n"] = n, ["exact_complex"] = transition.MassOfComplex(n),
                    ["predicted_leading_complex"] = transition.PredictedMassOfComplex(n, FreeEnergyTerms.Leading),
                    ["predicted_all_terms_complex"] = transition.PredictedMassOfComplex(n, FreeEnergyTerms.Constant),
                }).ToArray()),
            };
            if (estimate is not null)
                doc["estimate"] = new JsonObject
                {
                    ["n_c"] = estimate.Critical, ["n_c_se"] = estimate.CriticalSe, ["slope"] = estimate.Slope, ["slope_se"] = estimate.SlopeSe,
                    ["chi_square"] = estimate.ChiSquare, ["verdict"] = estimate.Trust.ToString(), ["seconds"] = estimate.Seconds,
                    ["points"] = new JsonArray(estimate.Points.Select(p => (JsonNode?)new JsonObject
                    {
                        ["n"] = p.N, ["F_simple"] = p.SimpleEstimate, ["F_simple_se"] = p.SimpleSe, ["F_simple_exact"] = p.SimpleExact,
                        ["F_complex"] = p.ComplexEstimate, ["F_complex_se"] = p.ComplexSe, ["F_complex_exact"] = p.ComplexExact, ["verdict"] = p.Trust.ToString(),
                    }).ToArray()),
                };
            if (noisyEstimate is not null)
                doc["noisy_estimate"] = new JsonObject
                {
                    ["chains"] = noisyEstimate.Chains, ["seconds"] = noisyEstimate.Seconds, ["shipped"] = noisyEstimate.Shipped,
                    ["rows"] = new JsonArray(noisyEstimate.Rows.Select(r => (JsonNode?)new JsonObject
                    {
                        ["seed"] = r.Seed, ["n"] = r.N, ["gap_exact"] = r.ExactGap, ["gap"] = r.Gap, ["gap_se"] = r.GapSe, ["verdict"] = r.Trust.ToString(),
                    }).ToArray()),
                    ["crossings"] = new JsonArray(noisyEstimate.Crossings().Select(c => (JsonNode?)new JsonObject
                    {
                        ["seed"] = c.Seed, ["n_c_exact"] = c.Exact, ["n_c_estimated"] = c.Estimated,
                    }).ToArray()),
                };
            if (noisy is not null)
                doc["noisy"] = new JsonObject
                {
                    ["delta"] = noisy.Model.Delta, ["seeds"] = noisy.Rows.Count, ["population_n_c"] = noisy.PopulationCritical, ["formula_n_c"] = noisy.FormulaCritical,
                    ["median_n_c"] = noisy.Quantile(0.5), ["q05"] = noisy.Quantile(0.05), ["q25"] = noisy.Quantile(0.25), ["q75"] = noisy.Quantile(0.75), ["q95"] = noisy.Quantile(0.95),
                    ["rows"] = new JsonArray(noisy.Rows.Select(r => (JsonNode?)new JsonObject
                    {
                        ["seed"] = r.Seed, ["n_c"] = r.Critical, ["first_majority"] = r.FirstMajority, ["crossings"] = r.Crossings,
                    }).ToArray()),
                };
            Console.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        }
        else
        {
            AnsiConsole.MarkupLine(Markup.Escape(transition.Summary()));
            var table = new Table().Border(TableBorder.Rounded).AddColumns("prediction", "n_c", "exact n_c", "relative error");
            foreach (var l in levels)
            {
                var p = transition.PredictedCriticalSampleSize(l);
                table.AddRow(Markup.Escape(RegionTransition.Describe(l)), p is double v ? v.ToString("F1", CultureInfo.InvariantCulture) : "no closed form",
                    exact is double e ? e.ToString("F1", CultureInfo.InvariantCulture) : "none", p is double a && exact is double b ? ((a - b) / b).ToString("P1", CultureInfo.InvariantCulture) : "");
            }
            AnsiConsole.Write(table);
            var masses = new Table().Border(TableBorder.Rounded).AddColumns("n", "exact P(complex)", "formula", "all terms");
            foreach (double n in grid)
                masses.AddRow(n.ToString("F0", CultureInfo.InvariantCulture), transition.MassOfComplex(n).ToString("F4", CultureInfo.InvariantCulture),
                    transition.PredictedMassOfComplex(n, FreeEnergyTerms.Leading)?.ToString("F4", CultureInfo.InvariantCulture) ?? "",
                    transition.PredictedMassOfComplex(n, FreeEnergyTerms.Constant)?.ToString("F4", CultureInfo.InvariantCulture) ?? "");
            AnsiConsole.Write(masses);
            if (estimate is not null)
                AnsiConsole.MarkupLine(Markup.Escape($"Thermodynamic integration per region ({estimate.Points.Count} sample sizes, {settings.Chains} chains, {estimate.Seconds:F0} s): " +
                    (estimate.Critical is double c ? $"n_c = {c:F1} ± {estimate.CriticalSe:F1}" : "no n_c") + $"; slope {estimate.Slope:F3} ± {estimate.SlopeSe:F3} (≈ −Δλ); χ² = {estimate.ChiSquare:F1} on {estimate.Points.Count - 2} dof; {estimate.Trust}."));
            if (noisy is not null)
                AnsiConsole.MarkupLine(Markup.Escape($"With sampling noise (δ = {noisy.Model.Delta:G4}, {noisy.Rows.Count} seeds, {noisy.Seconds:F1} s): median n_c {noisy.Quantile(0.5):F0}, " +
                    $"quartiles {noisy.Quantile(0.25):F0}–{noisy.Quantile(0.75):F0}, 5–95 % {noisy.Quantile(0.05):F0}–{noisy.Quantile(0.95):F0}; population {noisy.PopulationCritical:F0}, formula {noisy.FormulaCritical:F0}."));
            if (noisyEstimate is not null)
                foreach (var c in noisyEstimate.Crossings())
                    AnsiConsole.MarkupLine(Markup.Escape($"  seed {c.Seed}: n_c on the grid {string.Join(", ", noisyEstimate.Grid)}: exact {c.Exact?.ToString("F0") ?? "none"}, by thermodynamic integration {c.Estimated?.ToString("F0") ?? "none"}"));
        }
        if (estimate is null && noisyEstimate is null) return 0;
        int worst = Math.Max(estimate is null ? 0 : (int)estimate.Trust, noisyEstimate is null ? 0 : noisyEstimate.Rows.Max(r => (int)r.Trust));
        return ExitCodes.For((Slt.Diagnostics.Trust)worst, estimate is null || estimate.Critical is not null);
    }
}
