using System.ComponentModel;
using System.Globalization;
using Slt.Model;
using Slt.Platform;
using Slt.Training;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary>The options shared by the <c>slt contexts</c> verbs of the softmax transformer: which model, which lengths, which queries.</summary>
internal class ContextsSettings : CommandSettings
{
    [CommandOption("--config <FILE>")]
    [Description("Training recipe (JSON); the model is trained or taken from the training cache (SLT_CACHE). Default: the default recipe.")]
    public string? Config { get; init; }

    [CommandOption("--checkpoint <FILE>")]
    [Description("A checkpoint written by slt train (its stored corpus is the truth); instead of --config.")]
    public string? Checkpoint { get; init; }

    [CommandOption("--lengths <LIST>")]
    [Description("Context lengths m, comma-separated (default 1,2,4,8,16).")]
    public string Lengths { get; init; } = "1,2,4,8,16";

    [CommandOption("--query-length <T>")]
    [Description("Length T of every query (default: 8 for rank-one, 4 for fit); m + T must not exceed the context window C.")]
    public int? QueryLength { get; init; }

    [CommandOption("--seed <S>")]
    [Description("Seed of the contexts and queries (default 1).")]
    public long Seed { get; init; } = 1;

    [CommandOption("--threads <N>")]
    [Description("Threads for libtorch (default: SLT_THREADS, else 1).")]
    public int? Threads { get; init; }

    [CommandOption("--json")]
    [Description("Print JSON instead of a table.")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (Config is not null && Checkpoint is not null) return ValidationResult.Error("Give --config or --checkpoint, not both.");
        if (QueryLength is < 1) return ValidationResult.Error($"--query-length must be at least 1, got {QueryLength}.");
        if (Threads is <= 0) return ValidationResult.Error($"--threads must be a positive integer, got {Threads}.");
        try { ParseLengths(); }
        catch (FormatException e) { return ValidationResult.Error(e.Message); }
        return ValidationResult.Success();
    }

    public int[] ParseLengths()
    {
        var parts = Lengths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new FormatException("--lengths must list at least one context length, e.g. 1,2,4.");
        return parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int m) && m >= 1
            ? m : throw new FormatException($"--lengths: '{p}' is not a context length (a positive integer).")).ToArray();
    }
}

/// <summary>The model and truth the <c>slt contexts</c> verbs work on.</summary>
internal sealed record ContextsSource(Transformer Model, TrueDistribution Truth, TrainingRunConfig? Recipe, string Description, long Step)
{
    public static ContextsSource Resolve(ContextsSettings settings)
    {
        TorchRuntime.Initialize(settings.Threads ?? (Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1));
        if (settings.Checkpoint is not null)
        {
            if (!File.Exists(settings.Checkpoint)) throw new FileNotFoundException($"Checkpoint '{settings.Checkpoint}' does not exist.", settings.Checkpoint);
            var (model, header) = TransformerCheckpoint.Load(settings.Checkpoint);
            if (string.IsNullOrEmpty(header.CorpusSpecJson))
                throw new InvalidDataException($"Checkpoint '{settings.Checkpoint}' holds no corpus spec, so the truth cannot be built; use a checkpoint written by slt train.");
            var corpus = CorpusSpec.FromJson(header.CorpusSpecJson, $"corpus spec of '{settings.Checkpoint}'");
            model.eval();
            return new ContextsSource(model, new TrueDistribution(corpus), null, Path.GetFullPath(settings.Checkpoint), header.Step);
        }
        var recipe = settings.Config is null ? TrainingRunConfig.Default : TrainingRunConfig.Load(settings.Config);
        if (!settings.Json) AnsiConsole.MarkupLine("[grey]training (or loading from the training cache) …[/]");
        var (trained, run) = TrainedModelCache.GetOrTrain(recipe);
        trained.eval();
        return new ContextsSource(trained, new TrueDistribution(recipe.Corpus), recipe,
            settings.Config is null ? "default recipe" : Path.GetFullPath(settings.Config), run.Checkpoints[^1].Step);
    }
}
