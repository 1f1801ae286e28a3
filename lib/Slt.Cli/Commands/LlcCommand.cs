using System.ComponentModel;
using System.Globalization;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt llc</c>: the local learning coefficient of a ground-truth model, with diagnostics and the truth.</summary>
internal sealed partial class LlcCommand : Command<LlcCommand.Settings>
{
    public sealed partial class Settings : CommandSettings
    {
        [CommandOption("--model <MODEL>")]
        [Description("potential | dln | transformer")]
        public string Model { get; init; } = "potential";

        [CommandOption("--terms <TERMS>")]
        [Description("Potential terms as in docs/ground-truth.md, e.g. \"1,1\" (w₁²w₂²) or \"1,0;0,2\" (w₁² + w₂⁴).")]
        public string Terms { get; init; } = "1,1";

        [CommandOption("--temperature <T>")]
        [Description("Potential: inverse temperature t (nβ = t); also --t. Default 1000.")]
        public double T { get; init; } = 1000;

        [CommandOption("--box <HALF>")]
        [Description("Potential: the prior box [[−HALF, HALF]]^d that proposals are reflected into, or 'none' for no box (then the potential must confine the posterior, or set --gamma). Default 1.")]
        public string Box { get; init; } = "1";

        [CommandOption("--widths <WIDTHS>")]
        [Description("Deep linear network widths, input first, e.g. 5,3,5.")]
        public string Widths { get; init; } = "5,3,5";

        [CommandOption("--rank <R>")]
        [Description("Rank of the DLN teacher (w* = the teacher; the origin for 0).")]
        public int Rank { get; init; }

        [CommandOption("--sample-size <N>")]
        [Description("DLN sample size n (nβ = n / log n unless --nbeta); also --n. Default 100000.")]
        public long N { get; init; } = 100_000;

        [CommandOption("--population")]
        [Description("DLN: use the population loss instead of a sample of size n.")]
        public bool Population { get; init; }

        [CommandOption("--epsilon <EPS>")]
        [Description("SGLD step size ε, or 'auto': the largest ε whose measured step-size bias is within --bias-tolerance, found from the case's default (docs/verdicts.md). Default: the validated setting of the case; auto for a transformer from --checkpoint or --config.")]
        public string? Epsilon { get; init; }

        [CommandOption("--step-bias")]
        [Description("Measure the step-size bias: a second run at ε/2 over the same Langevin time, the extrapolation to ε → 0, and a verdict that flags a bias beyond one se + --bias-tolerance.")]
        public bool StepBias { get; init; }

        [CommandOption("--bias-tolerance <FRACTION>")]
        [Description("The step-size bias allowed, as a fraction of the extrapolated λ̂ (default 0.05).")]
        public double BiasTolerance { get; init; } = StepSizeBias.DefaultTolerance;

        [CommandOption("--nbeta <NBETA>")]
        [Description("nβ (default: t for potentials, n / log n for DLNs).")]
        public double? NBeta { get; init; }

        [CommandOption("--gamma <GAMMA>")]
        [Description("Localization γ (default: 0 for potentials, 1 for DLNs).")]
        public double? Gamma { get; init; }

        [CommandOption("--chains <C>")]
        public int? Chains { get; init; }

        [CommandOption("--burn-in <STEPS>")]
        public int? BurnIn { get; init; }

        [CommandOption("--draws <D>")]
        public int? Draws { get; init; }

        [CommandOption("--sample <NAMES>")]
        [Description("Comma-separated parameter names to sample (weight-restricted LLC), e.g. w1 or B2.")]
        public string? Sample { get; init; }

        [CommandOption("--seed <SEED>")]
        public long Seed { get; init; } = 1;

        [CommandOption("--json")]
        [Description("Print the result as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (Model is not ("potential" or "dln" or "transformer"))
                return ValidationResult.Error($"--model must be potential, dln or transformer, got '{Model}'.");
            if (Epsilon is not null && !IsAuto(Epsilon) && StepSize(Epsilon) is null)
                return ValidationResult.Error($"--epsilon must be a positive number or 'auto', got '{Epsilon}'.");
            if (!(BiasTolerance > 0) || !double.IsFinite(BiasTolerance))
                return ValidationResult.Error($"--bias-tolerance must be a positive fraction (e.g. 0.05), got {BiasTolerance}.");
            return ValidateTransformer();
        }

        internal static bool IsAuto(string text) => text.Equals("auto", StringComparison.OrdinalIgnoreCase);

        internal static double? StepSize(string? text) =>
            text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v) ? v : null;
    }

    /// <summary>What an LLC run needs: the target, the sampler settings, the exact values if known, whether ε is searched.</summary>
    private sealed record LlcCase(ITemperedTarget Target, SgldSettings Settings, KnownTruth? Truth, bool AutoStep) : IDisposable
    {
        /// <summary>What refining w* did, when it was asked for.</summary>
        public RefinementResult? Refinement { get; init; }

        public void Dispose() => (Target as IDisposable)?.Dispose();
    }

    /// <summary>The estimate and, when asked for, its step-size bias check or the search that chose ε.</summary>
    private sealed record LlcOutcome(LlcResult Result, StepSizeBiasEstimate? Bias, StepSizeSearchResult? Search);

    public override int Execute(CommandContext context, Settings o, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(o.Model == "transformer" ? TransformerThreads(o) : null);
        if (o.Gammas is not null) return Sweep(o, cancellationToken);
        RefinementResult? refinement = null;
        var outcome = Progress.Run(o.Json, "SGLD", progress =>
        {
            using var c = o.Model switch
            {
                "potential" => Potential(o),
                "dln" => Dln(o),
                _ => Transformer(o),
            };
            refinement = c.Refinement;
            if (c.AutoStep)
            {
                var search = StepSizeSearch.Run(c.Target, c.Settings, c.Truth, o.BiasTolerance, progress, cancellationToken);
                return new LlcOutcome(search.Result, search.Chosen, search);
            }
            if (o.StepBias)
            {
                var bias = StepSizeBias.Estimate(c.Target, c.Settings, c.Truth, o.BiasTolerance, progress, cancellationToken);
                return new LlcOutcome(bias.AtStep, bias, null);
            }
            return new LlcOutcome(LocalLearningCoefficient.Estimate(c.Target, c.Settings, c.Truth, progress, cancellationToken: cancellationToken), null, null);
        });
        var result = outcome.Result;
        if (o.Traces is not null) WriteTraces(o.Traces, result);
        if (o.Json)
        {
            var json = EstimateReport.ToJson(result);
            json["step_size_bias"] = outcome.Bias is { } b ? EstimateReport.ToJson(b) : null;
            json["epsilon_search"] = outcome.Search is { } s ? EstimateReport.ToJson(s) : null;
            json["refinement"] = refinement?.Summary;
            Console.WriteLine(EstimateReport.Format(json));
        }
        else
        {
            if (refinement is not null) AnsiConsole.MarkupLine(Markup.Escape(refinement.Summary));
            Print(outcome);
        }
        return ExitCodes.For(result.Diagnostics.Trust, result.Mean is not null);
    }

    private static SgldSettings Override(SgldSettings s, Settings o) => s with
    {
        StepSize = Settings.StepSize(o.Epsilon) ?? s.StepSize,
        NBeta = o.NBeta ?? s.NBeta,
        Localization = o.Gamma ?? s.Localization,
        Chains = o.Chains ?? s.Chains,
        BurnIn = o.BurnIn ?? s.BurnIn,
        Draws = o.Draws ?? s.Draws,
        StepsBetweenDraws = o.StepsBetweenDraws ?? s.StepsBetweenDraws,
        SampledParameters = o.Sample?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        Seed = o.Seed,
    };

    private static LlcCase Potential(Settings o)
    {
        var potential = NormalCrossingPotential.Parse(o.Terms);
        var settings = Override(GroundTruthCases.PotentialSettings(potential, o.T), o) with { Box = ParseBox(o.Box) };
        var coefficient = potential.LearningCoefficient();
        double? finite = potential.DisjointBlocks().All(b => b.Variables.Length <= 2) && settings.NBeta is double nb && settings.Localization == 0 && settings.Box == PriorBox.Symmetric(1)
            ? PotentialQuadrature.At(potential, nb).ExpectedTK : null;
        return new LlcCase(new PotentialTarget(potential), settings, new KnownTruth(coefficient?.Lambda, coefficient?.Multiplicity, finite),
            o.Epsilon is { } e && Settings.IsAuto(e));
    }

    private static PriorBox? ParseBox(string text)
    {
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double half) && half > 0 && double.IsFinite(half))
            return PriorBox.Symmetric(half);
        throw new FormatException($"--box: expected a positive half-width or 'none', got '{text}'.");
    }

    private static LlcCase Dln(Settings o)
    {
        var widths = o.Widths.Split(',', StringSplitOptions.TrimEntries).Select(w =>
            int.TryParse(w, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new FormatException($"--widths: '{w}' is not an integer.")).ToArray();
        var target = new DeepLinearNetworkTarget(widths, o.Rank, o.N, o.Seed, o.Population ? LossSource.Population : LossSource.Sample);
        var settings = Override(GroundTruthCases.DeepLinearSettings(widths, seed: o.Seed), o) with { BatchSize = o.BatchSize };
        var truth = target.TrueCoefficient;
        // Aoyagi's λ is the global coefficient; at w* = origin (r = 0) it is also the local one (docs/ground-truth.md §3).
        return new LlcCase(target, settings, new KnownTruth(truth.Lambda, truth.Multiplicity, null), o.Epsilon is { } e && Settings.IsAuto(e));
    }

    private static void Print(LlcOutcome outcome)
    {
        var r = outcome.Result;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("quantity").AddColumn("value");
        table.AddRow("λ̂", r.Mean is double m ? $"{m:F4} ± {r.StandardError:F4}" : "[red]none (divergent)[/]");
        if (r.Truth?.FiniteT is double f) table.AddRow(Markup.Escape("exact E_t[tK]"), $"{f:F4}");
        if (r.Truth?.Lambda is double l) table.AddRow("λ (m)", $"{l:G6} ({r.Truth.Multiplicity})");
        if (r.Shortfall is { } sf)
            table.AddRow("expected shortfall below λ (finite nβ)", Markup.Escape($"{sf.Raw:G3} ({sf.Raw / sf.Lambda:P1}): λ̂ ≈ {sf.ExpectedRaw:G4} expected"));
        if (r.RelativeError is double e) table.AddRow("relative error", $"{e:P2}");
        if (r.Correction is { } c)
        {
            table.AddRow("λ̂ + βν̂ (fluctuation-corrected)", $"{c.Mean:F4} ± {c.StandardError:F4}");
            table.AddRow("singular fluctuation ν̂", $"{c.MeanSingularFluctuation:F4} (β = {c.Beta:G4})");
            if (r.CorrectedRelativeError is double ce) table.AddRow("relative error, corrected", $"{ce:P2}");
        }
        table.AddRow("nβ", $"{r.NBeta:G6}");
        table.AddRow("R̂ / bulk-ESS / tail-ESS", $"{r.Diagnostics.RHat:F3} / {r.Diagnostics.Ess:F0} / {r.Diagnostics.EssTail:F0}");
        table.AddRow("MALA acceptance", $"{r.Diagnostics.MalaAcceptance:F3}");
        table.AddRow("chains × draws", $"{r.Run.Chains} × {r.Run.Settings.Draws} ({r.Run.Seconds:F1} s)");
        if (outcome.Bias is { } b)
        {
            table.AddRow("λ̂ at ε/2", b.AtHalfStep.Mean is double h ? $"{h:F4} ± {b.AtHalfStep.StandardError:F4}" : "none (divergent)");
            if (b.Extrapolated is double x) table.AddRow("λ̂ extrapolated to ε → 0", $"{x:F4} ± {b.ExtrapolatedStandardError:F4}");
            if (b.Bias is double bias) table.AddRow(Markup.Escape($"step-size bias at ε = {b.StepSize:G3}"), $"{bias:F4} ± {b.BiasStandardError:F4} (allowed {b.Allowed:F4})");
            if (b.ExtrapolatedRelativeError is double xe) table.AddRow("relative error, extrapolated", $"{xe:P2}");
        }
        AnsiConsole.Write(table);
        if (outcome.Search is { } search) AnsiConsole.MarkupLine(Markup.Escape(search.Summary));
        if (outcome.Bias is { } statement) AnsiConsole.MarkupLine(Markup.Escape(statement.Statement));
        AnsiConsole.MarkupLine(Markup.Escape(r.Diagnostics.Verdict));
        if (r.Shortfall is { } shortfall) AnsiConsole.MarkupLine(Markup.Escape(shortfall.Statement));
    }
}
