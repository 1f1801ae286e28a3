using System.ComponentModel;
using System.Globalization;
using Microsoft.Data.Analysis;
using Slt.Presentation;
using Slt.Estimators;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>What an LLC run needs: the target, the sampler settings, the exact values if known, whether ε is searched.</summary>
internal sealed record LlcCase(ITemperedTarget Target, SgldSettings Settings, KnownTruth? Truth, bool AutoStep) : IDisposable
{
    /// <summary>What refining w* did, when it was asked for.</summary>
    public RefinementResult? Refinement { get; init; }

    /// <summary>The Hessian spectrum at w*, when it was asked for.</summary>
    public HessianSpectrum? Spectrum { get; init; }

    public void Dispose() => (Target as IDisposable)?.Dispose();
}

/// <summary>The estimate and, when asked for, its step-size bias check or the search that chose ε.</summary>
internal sealed record LlcOutcome(LlcResult Result, StepSizeBiasEstimate? Bias, StepSizeSearchResult? Search);

/// <summary><c>slt llc MODEL</c>: the local learning coefficient λ̂ of one model by SGLD, with diagnostics, the exact
/// truth where it is known, and the exit codes of <see cref="ExitCodes"/>. One subclass per model.</summary>
internal abstract class LlcCommand<TSettings> : Command<TSettings> where TSettings : LlcSettings
{
    /// <summary>libtorch's threads for this model (default: SLT_THREADS, else libtorch's choice).</summary>
    protected virtual int? Threads(TSettings o) => null;

    /// <summary>The target, sampler settings and truth of this model.</summary>
    internal abstract LlcCase CreateCase(TSettings o);

    public override int Execute(CommandContext context, TSettings o, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Threads(o));
        return Estimate(o, cancellationToken);
    }

    /// <summary>One estimate (with the step-size check or search when asked), printed as a table or JSON.</summary>
    protected int Estimate(TSettings o, CancellationToken cancellationToken)
    {
        RefinementResult? refinement = null;
        HessianSpectrum? spectrum = null;
        var outcome = Progress.Run(o.Json, "SGLD", progress =>
        {
            using var c = CreateCase(o);
            refinement = c.Refinement;
            spectrum = c.Spectrum;
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
            json["spectrum"] = spectrum is null ? null : SpectrumJson(spectrum, [(result.NBeta, result.Run.Settings.Localization)]);
            Console.WriteLine(EstimateReport.Format(json));
        }
        else
        {
            if (refinement is not null) AnsiConsole.MarkupLine(Markup.Escape(refinement.Summary));
            Print(outcome);
            if (spectrum is not null) AnsiConsole.MarkupLine(Markup.Escape(SpectrumLine(spectrum, spectrum.QuadraticLlc(result.NBeta, result.Run.Settings.Localization))));
        }
        return ExitCodes.For(result.Diagnostics.Trust, result.Mean is not null);
    }

    /// <summary>The spectrum's summary and its quadratic predictions at the given (nβ, γ).</summary>
    internal static System.Text.Json.Nodes.JsonObject SpectrumJson(HessianSpectrum spectrum, IEnumerable<(double NBeta, double Gamma)> at) => new()
    {
        ["probes"] = spectrum.Settings.Probes,
        ["lanczos_steps"] = spectrum.Settings.Steps,
        ["smallest_ritz_value"] = spectrum.SmallestNode,
        ["largest_ritz_value"] = spectrum.LargestNode,
        ["seconds"] = spectrum.Seconds,
        ["quadratic_predictions"] = new System.Text.Json.Nodes.JsonArray(at.Select(p => spectrum.QuadraticLlc(p.NBeta, p.Gamma)).Select(q =>
            (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject
            {
                ["nbeta"] = q.NBeta, ["gamma"] = q.Gamma,
                ["llc"] = q.Exists ? q.Mean : null, ["llc_se"] = q.Exists ? q.StandardError : null, ["problem"] = q.Problem,
            }).ToArray()),
    };

    /// <summary>"Quadratic prediction from the Hessian spectrum: …" for a report.</summary>
    internal static string SpectrumLine(HessianSpectrum spectrum, QuadraticPrediction q) =>
        $"Hessian spectrum at w* ({spectrum.Settings.Probes} probes × {spectrum.Settings.Steps} Lanczos steps, Ritz values {spectrum.SmallestNode:G3} to {spectrum.LargestNode:G4}): " +
        (q.Exists ? $"quadratic prediction ½ Σ nβh/(nβh + γ) = {q.Mean:F1} ± {q.StandardError:F1} at γ = {q.Gamma:G4}." : q.Problem);

    internal static SgldSettings Override(SgldSettings s, LlcSettings o) => s with
    {
        StepSize = LlcSettings.StepSize(o.Epsilon) ?? s.StepSize,
        NBeta = o.NBeta ?? s.NBeta,
        Localization = o.Gamma ?? s.Localization,
        Chains = o.Chains ?? s.Chains,
        BurnIn = o.BurnIn ?? s.BurnIn,
        Draws = o.Draws ?? s.Draws,
        StepsBetweenDraws = o.StepsBetweenDraws ?? s.StepsBetweenDraws,
        SampledParameters = o.Sample?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        Seed = o.Seed,
    };

    internal static void Print(LlcOutcome outcome)
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

    /// <summary>The per-draw traces as chain, draw, excess (<see cref="TableCsv"/>, the workbook's one CSV writer).</summary>
    internal static void WriteTraces(string path, LlcResult r)
    {
        var rows = Enumerable.Range(0, r.Run.Chains).SelectMany(c => r.Run.ExcessTrace(c).Select((excess, k) => (c, k, excess))).ToList();
        new DataFrame(
            new Int32DataFrameColumn("chain", rows.Select(x => x.c)),
            new Int32DataFrameColumn("draw", rows.Select(x => x.k)),
            new DoubleDataFrameColumn("excess", rows.Select(x => x.excess))).WriteCsv(path);
    }
}

/// <summary><c>slt llc potential</c>: λ̂ of a normal-crossing potential against the exact λ and E_t[tK].</summary>
internal sealed class LlcPotentialCommand : LlcCommand<LlcPotentialSettings>
{
    internal override LlcCase CreateCase(LlcPotentialSettings o)
    {
        var potential = NormalCrossingPotential.Parse(o.Terms);
        var settings = Override(GroundTruthCases.PotentialSettings(potential, o.T), o) with { Box = ParseBox(o.Box), MetropolisAdjusted = o.Adjusted };
        var coefficient = potential.LearningCoefficient();
        double? finite = potential.DisjointBlocks().All(b => b.Variables.Length <= 2) && settings.NBeta is double nb && settings.Localization == 0 && settings.Box == PriorBox.Symmetric(1)
            ? PotentialQuadrature.At(potential, nb).ExpectedTK : null;
        return new LlcCase(new PotentialTarget(potential), settings, new KnownTruth(coefficient?.Lambda, coefficient?.Multiplicity, finite),
            o.AutoEpsilon);
    }

    private static PriorBox? ParseBox(string text)
    {
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double half) && half > 0 && double.IsFinite(half))
            return PriorBox.Symmetric(half);
        throw new FormatException($"--box: expected a positive half-width or 'none', got '{text}'.");
    }
}

/// <summary><c>slt llc dln</c>: λ̂ of a deep linear network against Aoyagi's λ.</summary>
internal sealed class LlcDlnCommand : LlcCommand<LlcDlnSettings>
{
    internal override LlcCase CreateCase(LlcDlnSettings o)
    {
        var widths = o.Widths.Split(',', StringSplitOptions.TrimEntries).Select(w =>
            int.TryParse(w, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new FormatException($"--widths: '{w}' is not an integer.")).ToArray();
        var target = new DeepLinearNetworkTarget(widths, o.Rank, o.N, o.Seed, o.Population ? LossSource.Population : LossSource.Sample);
        var settings = Override(GroundTruthCases.DeepLinearSettings(widths, seed: o.Seed), o) with { BatchSize = o.BatchSize, MetropolisAdjusted = o.Adjusted };
        var truth = target.TrueCoefficient;
        // Aoyagi's λ is the global coefficient; at w* = origin (r = 0) it is also the local one (docs/ground-truth.md §3).
        return new LlcCase(target, settings, new KnownTruth(truth.Lambda, truth.Multiplicity, null), o.AutoEpsilon);
    }
}
