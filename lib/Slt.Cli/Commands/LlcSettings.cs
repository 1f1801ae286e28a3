using System.ComponentModel;
using System.Globalization;
using Slt.Estimators;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>The options every <c>slt llc MODEL</c> takes: the SGLD sampler, the step-size checks, seed and output.</summary>
internal abstract class LlcSettings : CommandSettings
{
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
    [Description("nβ (default: t for potentials, n / log n for DLNs and transformers).")]
    public double? NBeta { get; init; }

    [CommandOption("--gamma <GAMMA>")]
    [Description("Localization γ (default: 0 for potentials, the case's validated value otherwise).")]
    public double? Gamma { get; init; }

    [CommandOption("--chains <C>")]
    public int? Chains { get; init; }

    [CommandOption("--burn-in <STEPS>")]
    public int? BurnIn { get; init; }

    [CommandOption("--draws <D>")]
    public int? Draws { get; init; }

    [CommandOption("--steps-between-draws <K>")]
    [Description("SGLD steps between recorded draws.")]
    public int? StepsBetweenDraws { get; init; }

    [CommandOption("--sample <NAMES>")]
    [Description("Comma-separated parameter names to sample (weight-restricted LLC), e.g. w1 or B2.")]
    public string? Sample { get; init; }

    [CommandOption("--seed <SEED>")]
    public long Seed { get; init; } = 1;

    [CommandOption("--traces <FILE>")]
    [Description("Write the per-draw traces nβ(L_n(w) − L_n(w*)) to this CSV file (chain, draw, excess).")]
    public string? Traces { get; init; }

    [CommandOption("--json")]
    [Description("Print the result as JSON.")]
    public bool Json { get; init; }

    /// <summary>True for <c>--epsilon auto</c>.</summary>
    public bool AutoEpsilon => Epsilon is { } e && IsAuto(e);

    public override ValidationResult Validate()
    {
        if (Epsilon is not null && !IsAuto(Epsilon) && StepSize(Epsilon) is null)
            return ValidationResult.Error($"--epsilon must be a positive number or 'auto', got '{Epsilon}'.");
        if (!(BiasTolerance > 0) || !double.IsFinite(BiasTolerance))
            return ValidationResult.Error($"--bias-tolerance must be a positive fraction (e.g. 0.05), got {BiasTolerance}.");
        return ValidateModel();
    }

    /// <summary>The checks of one model's own options.</summary>
    protected virtual ValidationResult ValidateModel() => ValidationResult.Success();

    internal static bool IsAuto(string text) => text.Equals("auto", StringComparison.OrdinalIgnoreCase);

    internal static double? StepSize(string? text) =>
        text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v) ? v : null;
}

/// <summary>The options of the models sampled with full-batch gradients, where a Metropolis step can make the sampler exact.</summary>
internal abstract class FullBatchLlcSettings : LlcSettings
{
    [CommandOption("--adjusted")]
    [Description("Metropolis-adjusted Langevin (MALA): accept each proposal with its Metropolis–Hastings probability, so that no step-size bias remains at any ε (a larger ε then only lowers the acceptance); one evaluation per step, as in SGLD. Needs the full batch.")]
    public bool Adjusted { get; init; }
}

/// <summary><c>slt llc potential</c>: a normal-crossing potential K(w) = Σ ∏ w_j^(2k_j) in a prior box.</summary>
internal sealed class LlcPotentialSettings : FullBatchLlcSettings
{
    [CommandOption("--terms <TERMS>")]
    [Description("Potential terms as in docs/ground-truth.md, e.g. \"1,1\" (w₁²w₂²) or \"1,0;0,2\" (w₁² + w₂⁴).")]
    public string Terms { get; init; } = "1,1";

    [CommandOption("--temperature <T>")]
    [Description("Inverse temperature t (nβ = t); also --t. Default 1000.")]
    public double T { get; init; } = 1000;

    [CommandOption("--box <HALF>")]
    [Description("The prior box [[−HALF, HALF]]^d that proposals are reflected into, or 'none' for no box (then the potential must confine the posterior, or set --gamma). Default 1.")]
    public string Box { get; init; } = "1";
}

/// <summary><c>slt llc dln</c>: a deep linear network with a teacher of known rank (Aoyagi's λ).</summary>
internal sealed class LlcDlnSettings : FullBatchLlcSettings
{
    [CommandOption("--widths <WIDTHS>")]
    [Description("Deep linear network widths, input first, e.g. 5,3,5.")]
    public string Widths { get; init; } = "5,3,5";

    [CommandOption("--rank <R>")]
    [Description("Rank of the teacher (w* = the teacher; the origin for 0).")]
    public int Rank { get; init; }

    [CommandOption("--sample-size <N>")]
    [Description("Sample size n (nβ = n / log n unless --nbeta); also --n. Default 100000.")]
    public long N { get; init; } = 100_000;

    [CommandOption("--population")]
    [Description("Use the population loss instead of a sample of size n.")]
    public bool Population { get; init; }

    [CommandOption("--batch-size <B>")]
    [Description("Data points per SGLD mini-batch (default: the full batch).")]
    public int? BatchSize { get; init; }

    protected override ValidationResult ValidateModel() =>
        BatchSize is < 1 ? ValidationResult.Error($"--batch-size must be a positive integer, got {BatchSize}.")
        : Adjusted && BatchSize is not null ? ValidationResult.Error("--adjusted needs the full batch: with a mini-batch the Metropolis–Hastings ratio is not the posterior's. Drop --batch-size or --adjusted.")
        : ValidationResult.Success();
}
