using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Platform;
using Slt.Presentation;
using Slt.Sampling;
using Slt.Transitions;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt susceptibility gaussian</c>: the estimator against its closed-form case, exact χ against χ̂ ± se per seed.</summary>
internal sealed class SusceptibilityGaussianCommand : Command<SusceptibilityGaussianCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--seeds <N>")]
        [Description("Independent SGLD runs (seeds 1..N; default 4).")]
        public int Seeds { get; init; } = 4;

        [CommandOption("--json")]
        [Description("Print JSON instead of tables.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Seeds is < 1 or > 100 ? ValidationResult.Error($"--seeds must lie in 1..100, got {Seeds}.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(1);
        var g = GaussianShift.Default;
        var blocks = new (string Name, int[]? Block)[] { ("all", null), ("w1", [0]), ("w2,w3", [1, 2]) };
        var checks = blocks.Select(b => (b.Name, Check: GaussianSusceptibilityCheck.Run(g, seeds: settings.Seeds, block: b.Block))).ToArray();
        if (settings.Json)
        {
            var json = new JsonObject
            {
                ["case"] = new JsonObject
                {
                    ["nbeta"] = g.NBeta, ["gamma"] = g.Localization, ["optimum"] = Array(g.Optimum), ["curvature"] = Array(g.Curvature),
                    ["centre"] = Array(g.Centre), ["shifted_curvature"] = Array(g.ShiftedCurvature), ["shifted_centre"] = Array(g.ShiftedCentre),
                },
                ["blocks"] = new JsonArray(checks.Select(c => (JsonNode?)new JsonObject
                {
                    ["block"] = c.Name, ["chi_exact"] = c.Check.Exact, ["chi_covariance_form"] = c.Check.CovarianceForm,
                    ["chi_finite_difference"] = c.Check.FiniteDifference, ["chi_hat_mean"] = c.Check.MeanEstimate,
                    ["chi_hat_mean_se"] = c.Check.MeanStandardError, ["z"] = c.Check.ZScore,
                    ["seeds"] = new JsonArray(c.Check.Seeds.Select(s => (JsonNode?)new JsonObject
                    {
                        ["seed"] = s.Seed, ["chi_hat"] = s.Estimate.Chi, ["chi_se"] = s.Estimate.StandardError, ["z"] = s.Estimate.ZScore(c.Check.Exact),
                        ["without_nbeta"] = s.WithoutNBeta, ["against_shifted_loss"] = s.AgainstShiftedLoss, ["seconds"] = s.Seconds,
                    }).ToArray()),
                }).ToArray()),
            };
            Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            AnsiConsole.WriteLine($"Closed-form case: L_q = ½Σα(w − a)², L_q' = ½Σβ(w − b)², nβ = {g.NBeta}, γ = {g.Localization}; φ = L_q; χ = dE_h[φ]/dh at h = 0.");
            var table = new Table().Border(TableBorder.Rounded).AddColumns("block", "χ exact", "−nβ Cov (exact)", "finite diff.", "χ̂ per seed ± se", "mean χ̂ ± se", "z");
            foreach (var (name, c) in checks)
                table.AddRow(name, $"{c.Exact:F5}", $"{c.CovarianceForm:F5}", $"{c.FiniteDifference:F5}",
                    string.Join("; ", c.Seeds.Select(s => $"{s.Estimate.Chi:F4} ± {s.Estimate.StandardError:F4}")), $"{c.MeanEstimate:F5} ± {c.MeanStandardError:F5}", $"{c.ZScore:F2}");
            AnsiConsole.Write(table);
        }
        return 0;
    }

    private static JsonArray Array(IEnumerable<double> v) => new(v.Select(x => (JsonNode?)x).ToArray());
}

/// <summary><c>slt susceptibility transformer</c>: χ̂ per block and shift at every checkpoint of the default training run.</summary>
internal sealed class SusceptibilityTransformerCommand : Command<SusceptibilityTransformerCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--blocks <BLOCKS>")]
        [Description("Comma-separated blocks (parameter-subset specs: token_embedding, attention-0, mlp-1, unembedding; join several into one block with +, e.g. attention-0+attention-1; default token_embedding,attention-0+attention-1,mlp-0+mlp-1,unembedding).")]
        public string? Blocks { get; init; }

        [CommandOption("--chains <N>")]
        [Description("Chains per block (default: SusceptibilitySampling.Default).")]
        public int? Chains { get; init; }

        [CommandOption("--burn-in <STEPS>")]
        [Description("Burn-in steps per chain.")]
        public int? BurnIn { get; init; }

        [CommandOption("--draws <N>")]
        [Description("Draws per chain.")]
        public int? Draws { get; init; }

        [CommandOption("--steps-between-draws <K>")]
        [Description("SGLD steps between draws.")]
        public int? StepsBetweenDraws { get; init; }

        [CommandOption("--step-size <EPS>")]
        [Description("SGLD step ε.")]
        public double? StepSize { get; init; }

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the first block's run (block b uses seed + b).")]
        public long? Seed { get; init; }

        [CommandOption("--csv <FILE>")]
        [Description("Also write the table (one row per step, block, shift) to FILE.")]
        public string? Csv { get; init; }

        [CommandOption("--ship")]
        [Description("Compute afresh and write the curves to data/results, where notebook 05 reads them (with the default settings).")]
        public bool Ship { get; init; }

        [CommandOption("--no-cache")]
        [Description("Compute afresh (neither read nor write SLT_CACHE/additivity).")]
        public bool NoCache { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of tables.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (Blocks is not null && string.IsNullOrWhiteSpace(Blocks.Replace(",", ""))) return ValidationResult.Error("--blocks needs a list of blocks: token_embedding, attention-0, mlp-1, unembedding, ….");
            if (Chains is < 1) return ValidationResult.Error($"--chains must be at least 1, got {Chains}.");
            if (BurnIn is < 0) return ValidationResult.Error($"--burn-in must be ≥ 0, got {BurnIn}.");
            if (Draws is < 4) return ValidationResult.Error($"--draws must be at least 4, got {Draws}.");
            if (StepsBetweenDraws is < 1) return ValidationResult.Error($"--steps-between-draws must be at least 1, got {StepsBetweenDraws}.");
            if (StepSize is { } e && !(e > 0 && double.IsFinite(e))) return ValidationResult.Error($"--step-size must be positive, got {e}.");
            if (Csv is { Length: 0 }) return ValidationResult.Error("--csv needs a file name.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        var blocks = settings.Blocks?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? TransformerSusceptibility.DefaultBlocks;
        var d = SusceptibilitySampling.Default;
        var sampler = d with
        {
            Chains = settings.Chains ?? d.Chains, BurnIn = settings.BurnIn ?? d.BurnIn, Draws = settings.Draws ?? d.Draws,
            StepsBetweenDraws = settings.StepsBetweenDraws ?? d.StepsBetweenDraws, StepSize = settings.StepSize ?? d.StepSize, Seed = settings.Seed ?? d.Seed,
        };
        var clock = Stopwatch.StartNew();
        var (curves, cached) = Progress.Run(settings.Json, "susceptibility", progress =>
            SusceptibilityCurves.Default(blocks, sampler, !settings.NoCache, progress, cancellationToken, settings.Ship));
        double seconds = clock.Elapsed.TotalSeconds;
        if (settings.Csv is { } csv) curves.ToDataFrame().WriteCsv(csv);
        var peaks = curves.Peaks();
        if (settings.Json)
        {
            var json = new JsonObject
            {
                ["nbeta"] = curves.NBeta, ["windows"] = curves.Windows, ["seconds_computed"] = curves.Seconds, ["seconds_this_call"] = seconds, ["from_cache"] = cached,
                ["points"] = new JsonArray(curves.Points.Select(p => (JsonNode?)new JsonObject
                {
                    ["step"] = p.Step, ["block"] = p.Block, ["shift"] = p.Shift, ["chi"] = p.Chi, ["chi_se"] = p.StandardError, ["dimension"] = p.Dimension,
                    ["phi_ess"] = Finite(p.ObservableEss), ["mala"] = Finite(p.MalaAcceptance), ["seconds"] = p.Seconds,
                }).ToArray()),
                ["peaks"] = new JsonArray(peaks.Select(p => (JsonNode?)new JsonObject
                {
                    ["block"] = p.Block, ["shift"] = p.Shift, ["step"] = p.Step, ["chi"] = p.Chi, ["chi_se"] = p.StandardError, ["is_peak"] = p.IsPeak,
                }).ToArray()),
            };
            Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            AnsiConsole.MarkupLine(Markup.Escape($"χ̂ = −nβ Cov[φ_C, L_q' − L_q] per block C (φ_C = L_n at C-restricted draws), n = {curves.Windows}, nβ = {curves.NBeta:F2}; computed in {curves.Seconds:F1} s{(cached ? " (from the cache)" : "")}"));
            foreach (var shift in curves.Shifts)
            {
                var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(shift)).AddColumn("step");
                foreach (var b in curves.Blocks) table.AddColumn(Markup.Escape(b));
                foreach (int s in curves.Steps)
                    table.AddRow([s.ToString(), .. curves.Blocks.Select(b => curves.Points.First(p => p.Step == s && p.Block == b && p.Shift == shift)).Select(p => $"{p.Chi:F3} ± {p.StandardError:F3}")]);
                AnsiConsole.Write(table);
            }
            foreach (var p in peaks.Where(p => p.IsPeak))
                AnsiConsole.WriteLine($"peak: {p.Block}, {p.Shift}: χ̂ = {p.Chi:F3} ± {p.StandardError:F3} at step {p.Step}");
            if (!peaks.Any(p => p.IsPeak)) AnsiConsole.WriteLine("No curve has an interior checkpoint above both neighbours by more than 2 se.");
            AnsiConsole.MarkupLine($"[grey]{seconds:F1} s this call[/]");
        }
        return 0;
    }

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
