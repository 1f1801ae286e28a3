using System.ComponentModel;
using System.Text.Json;
using Slt.Additivity;
using Slt.Platform;
using Slt.Sampling;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>
/// <c>slt additivity joined</c>: λ̂ of a transformer whose families use disjoint weights by construction (one part per
/// family, trained on its windows, joined by routing; <see cref="JoinedTransformer"/>) on all windows, against the sum of
/// the parts' λ̂ on their own windows at n_f β (docs/additivity.md §2).
/// </summary>
internal sealed class AdditivityJoinedCommand : Command<AdditivityJoinedCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--families <LIST>")]
        [Description("The families of the default corpus, comma-separated, in corpus order (default garage,zoo: all of them; the joined model has one part per family).")]
        public string Families { get; init; } = string.Join(",", CorpusSpec.Default.Families.Select(f => f.Name));

        [CommandOption("--windows <N>")]
        [Description("n, windows of the sample drawn from the whole truth (default 256).")]
        public int Windows { get; init; } = NextTokenTarget.DefaultWindows;

        [CommandOption("--seed <S>")]
        [Description("Seed of the sample and of the sampler (whole: S, part f: S + 1 + f); default 1.")]
        public long Seed { get; init; } = 1;

        [CommandOption("--own-temperature")]
        [Description("Take each part at its own n_f / log n_f instead of n_f β (wrong: shows the check's power).")]
        public bool OwnTemperature { get; init; }

        [CommandOption("--step-size <EPS>")]
        [Description("SGLD step ε of the three runs (default: AdditivitySampling.Default, 2e-5).")]
        public double? StepSize { get; init; }

        [CommandOption("--draws <N>")]
        [Description("Draws per chain of the three runs.")]
        public int? Draws { get; init; }

        [CommandOption("--steps-between-draws <K>")]
        [Description("SGLD steps between draws.")]
        public int? StepsBetweenDraws { get; init; }

        [CommandOption("--no-cache")]
        [Description("Neither read nor write the result cache (SLT_CACHE).")]
        public bool NoCache { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of text.")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (StepSize is { } e && !(e > 0 && double.IsFinite(e))) return ValidationResult.Error($"--step-size must be positive, got {e}.");
            if (Draws is < 4) return ValidationResult.Error($"--draws must be at least 4, got {Draws}.");
            if (StepsBetweenDraws is < 1) return ValidationResult.Error($"--steps-between-draws must be at least 1, got {StepsBetweenDraws}.");
            if (Windows < 6) return ValidationResult.Error($"--windows must be at least 6 (3 per family), got {Windows}.");
            var names = Families.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var expected = CorpusSpec.Default.Families.Select(f => f.Name).ToArray();
            foreach (var name in names)
                if (!expected.Contains(name)) return ValidationResult.Error($"--families: '{name}' is not a family of the default corpus ({string.Join(", ", expected)}).");
            if (!names.SequenceEqual(expected))
                return ValidationResult.Error($"--families must list every family of the default corpus in order ({string.Join(",", expected)}): the joined model routes every window to one part; got '{Families}'.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);
        var d = AdditivitySampling.Default;
        var sgld = d with
        {
            Seed = settings.Seed, StepSize = settings.StepSize ?? d.StepSize, Draws = settings.Draws ?? d.Draws,
            StepsBetweenDraws = settings.StepsBetweenDraws ?? d.StepsBetweenDraws,
        };
        var temperature = settings.OwnTemperature ? PartTemperature.OwnSampleSize : PartTemperature.WholeBeta;
        var result = JoinedAdditivity.ForCorpus(settings.Windows, settings.Seed, settings: sgld, temperature: temperature, useCache: !settings.NoCache);
        if (settings.Json)
            Console.WriteLine(result.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        else
            AnsiConsole.WriteLine(result.Summary());
        return Math.Max(ExitCodes.For(result.Whole.Trust, result.Whole.Mean is not null),
            result.Parts.Max(p => ExitCodes.For(p.Trust, p.Mean is not null)));
    }
}
