using Slt.Model;
using Slt.Training;
using Slt.Truth;

namespace Slt.Cli.Commands;

/// <summary>The trained linear-attention model the <c>slt contexts</c> verbs work on: a checkpoint, or a recipe trained
/// once through the training cache (default: <see cref="TrainingRunConfig.LinearAttention"/>).</summary>
internal static class ContextsLinearModel
{
    public static (Transformer Model, CorpusSpec Corpus, string Label) Resolve(string? checkpoint, string? config)
    {
        if (checkpoint is not null && config is not null) throw new ArgumentException("Give --checkpoint or --config, not both.");
        Transformer model;
        CorpusSpec corpus;
        string label;
        if (checkpoint is not null)
        {
            var (loaded, header) = TransformerCheckpoint.Load(checkpoint);
            if (header.CorpusSpecJson is null)
                throw new InvalidDataException($"Checkpoint '{checkpoint}' holds no corpus spec, so no contexts can be drawn; use a checkpoint written by slt train.");
            model = loaded;
            corpus = CorpusSpec.FromJson(header.CorpusSpecJson, $"corpus spec of '{checkpoint}'");
            label = $"trained (checkpoint, step {header.Step})";
        }
        else
        {
            var recipe = config is null ? TrainingRunConfig.LinearAttention : TrainingRunConfig.Load(config);
            model = TrainedModelCache.GetOrTrain(recipe).Model;
            corpus = recipe.Corpus;
            label = $"trained ({recipe.Training.Steps} steps)";
        }
        if (model.Config.Attention != AttentionKind.Linear)
            throw new ArgumentException(
                $"The model has {model.Config.Attention.ToString().ToLowerInvariant()} attention; the exact map F_C needs linear attention (e.g. data/linear-attention.train.json).");
        model.eval();
        return (model, corpus, label);
    }

    /// <summary>Parses "1,2,4-6" into sorted distinct integers.</summary>
    public static int[] ParseList(string text, string option)
    {
        var values = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            if (ends.Length > 2 || !int.TryParse(ends[0], out int lo) || !int.TryParse(ends[^1], out int hi) || hi < lo)
                throw new FormatException($"{option}: '{part}' is not an integer or a range a-b.");
            for (int v = lo; v <= hi; v++) values.Add(v);
        }
        if (values.Count == 0) throw new FormatException($"{option} is empty.");
        return values.ToArray();
    }
}
