using System.ComponentModel;
using System.Globalization;
using Slt.Estimators;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Training;
using Slt.Truth;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Slt.Cli.Commands;

/// <summary><c>slt llc --model transformer</c>: the LLC of a trained transformer (no truth), optionally restricted to
/// some input lengths (the data-restricted LLC).</summary>
internal sealed partial class LlcCommand
{
    public sealed partial class Settings
    {
        [CommandOption("--checkpoint <FILE>")]
        [Description("Transformer: a checkpoint (final.ckpt or checkpoints/step-*.ckpt of slt train) holding its corpus spec.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--config <FILE>")]
        [Description("Transformer: a training recipe (e.g. data/default.train.json), trained once through the training cache. Default: the default recipe.")]
        public string? Config { get; init; }

        [CommandOption("--windows <N>")]
        [Description("Transformer: windows of the sample L_n averages over (n = windows × (C − 1), or × |lengths|). Default 256.")]
        public int Windows { get; init; } = NextTokenTarget.DefaultWindows;

        [CommandOption("--data-seed <SEED>")]
        [Description("Transformer: seed of that sample, drawn from the corpus's true distribution. Default 11.")]
        public long DataSeed { get; init; } = 11;

        [CommandOption("--evaluation-windows <N>")]
        [Description("Transformer: windows of the fixed evaluation set for L_n(w) and L_n(w*) (the first ones of the sample). Default: all.")]
        public int? EvaluationWindows { get; init; }

        [CommandOption("--batch-size <B>")]
        [Description("Transformer: windows per SGLD mini-batch. DLN: data points per mini-batch (default: the full batch).")]
        public int? BatchSize { get; init; }

        [CommandOption("--steps-between-draws <K>")]
        [Description("SGLD steps between recorded draws.")]
        public int? StepsBetweenDraws { get; init; }

        [CommandOption("--lengths <LIST>")]
        [Description("Transformer: input lengths to keep (data-restricted LLC), e.g. 1-8 or 1,2,9-31. Default all.")]
        public string? Lengths { get; init; }

        [CommandOption("--threads <N>")]
        [Description("Transformer: libtorch threads (default: SLT_THREADS, else 1).")]
        public int? Threads { get; init; }

        [CommandOption("--traces <FILE>")]
        [Description("Write the per-draw traces nβ(L_n(w) − L_n(w*)) to this CSV file (chain, draw, excess).")]
        public string? Traces { get; init; }

        private ValidationResult ValidateTransformer()
        {
            if (BatchSize is < 1) return ValidationResult.Error($"--batch-size must be a positive integer, got {BatchSize}.");
            if (Model == "potential" && BatchSize is not null)
                return ValidationResult.Error("--batch-size applies to --model dln and transformer (a potential has no data to draw mini-batches from).");
            if (Model != "transformer")
                return (Checkpoint ?? Config ?? Lengths) is not null
                    ? ValidationResult.Error("--checkpoint, --config and --lengths apply to --model transformer only.")
                    : ValidationResult.Success();
            if (Checkpoint is not null && Config is not null) return ValidationResult.Error("Give --checkpoint or --config, not both.");
            if (Windows < 1) return ValidationResult.Error($"--windows must be a positive integer, got {Windows}.");
            if (EvaluationWindows is < 1) return ValidationResult.Error($"--evaluation-windows must be a positive integer, got {EvaluationWindows}.");
            if (Threads is <= 0) return ValidationResult.Error($"--threads must be a positive integer, got {Threads}.");
            return ValidationResult.Success();
        }
    }

    private static int? TransformerThreads(Settings o) =>
        o.Threads ?? (Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);

    private static LlcCase Transformer(Settings o)
    {
        Transformer model;
        CorpusSpec corpus;
        if (o.Checkpoint is not null)
        {
            if (!File.Exists(o.Checkpoint)) throw new FileNotFoundException($"Checkpoint '{o.Checkpoint}' does not exist.", o.Checkpoint);
            var (loaded, header) = TransformerCheckpoint.Load(o.Checkpoint);
            if (string.IsNullOrEmpty(header.CorpusSpecJson))
                throw new InvalidDataException($"Checkpoint '{o.Checkpoint}' holds no corpus spec, so its data cannot be drawn; use a checkpoint written by slt train.");
            model = loaded;
            corpus = CorpusSpec.FromJson(header.CorpusSpecJson, $"corpus spec of '{o.Checkpoint}'");
        }
        else
        {
            var recipe = o.Config is null ? TrainingRunConfig.Default : TrainingRunConfig.Load(o.Config);
            if (!o.Json) AnsiConsole.MarkupLine("[grey]training (or loading from the training cache) …[/]");
            model = TrainedModelCache.GetOrTrain(recipe).Model;
            corpus = recipe.Corpus;
        }
        model.eval();
        var sample = new CorpusGenerator(new TrueDistribution(corpus)).Sample(o.Windows, o.DataSeed);
        int[]? lengths = o.Lengths is null ? null : ParseLengths(o.Lengths);
        var defaults = NextTokenTarget.DefaultSettings;
        var target = new OwningTarget(NextTokenTarget.Create(model, sample, o.EvaluationWindows, lengths), model);
        var settings = Override(defaults, o) with { BatchSize = o.BatchSize ?? defaults.BatchSize };
        // The defaults were validated on the default recipe's model; any other model gets its step searched unless one is given.
        bool auto = o.Epsilon is { } e ? Settings.IsAuto(e) : o.Checkpoint is not null || o.Config is not null;
        return new LlcCase(target, settings, null, auto);
    }

    /// <summary>A target that also disposes the model it samples.</summary>
    private sealed class OwningTarget(ModuleTarget inner, IDisposable model) : ITemperedTarget, IDisposable
    {
        public long SampleSize => inner.SampleSize;
        public IReadOnlyList<string> ParameterNames => inner.ParameterNames;
        public int MaxChainsPerGroup => inner.MaxChainsPerGroup;
        public long DataSize => inner.DataSize;
        public OptimumKind OptimumKind => ((ITemperedTarget)inner).OptimumKind;
        public ChainGroup CreateGroup(int chains) => inner.CreateGroup(chains);

        public void Dispose()
        {
            inner.Dispose();
            model.Dispose();
        }
    }

    /// <summary>"1-8", "1,2,9-31": single lengths and inclusive ranges.</summary>
    internal static int[] ParseLengths(string text)
    {
        var lengths = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-', StringSplitOptions.TrimEntries);
            int Parse(string s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
                ? v : throw new FormatException($"--lengths: '{s}' is not an integer (use e.g. 1-8 or 1,2,9-31).");
            if (ends.Length == 1) lengths.Add(Parse(ends[0]));
            else if (ends.Length == 2)
            {
                int first = Parse(ends[0]), last = Parse(ends[1]);
                if (last < first) throw new FormatException($"--lengths: the range '{part}' is empty.");
                lengths.AddRange(Enumerable.Range(first, last - first + 1));
            }
            else throw new FormatException($"--lengths: '{part}' is neither a length nor a range a-b.");
        }
        return lengths.ToArray();
    }

    private static void WriteTraces(string path, LlcResult r)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("chain,draw,excess");
        for (int c = 0; c < r.Run.Chains; c++)
        {
            var trace = r.Run.ExcessTrace(c);
            for (int k = 0; k < trace.Length; k++)
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c},{k},{trace[k]:R}"));
        }
    }
}
