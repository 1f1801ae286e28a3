using System.Globalization;
using Slt.Model;
using Slt.Training;
using Slt.Truth;

namespace Slt.Phases;

/// <summary>
/// What <see cref="ArchitectureSweep"/> trains and measures: on the default corpus, each architecture kind at each width
/// d, several training seeds each. Kinds: <c>attention-only</c> (one softmax layer, no MLP), <c>one-layer</c> (one softmax
/// layer with MLP), <c>two-layer</c> (the default architecture's shape), <c>linear</c> (one layer of linear attention
/// with MLP, trained at lr 1e-2 as <see cref="TrainingRunConfig.LinearAttention"/>).
/// </summary>
/// <param name="Kinds">Architecture kinds (default all four), distinct.</param>
/// <param name="Widths">Model dimensions d (default 16, 32, 64), each a multiple of <see cref="Heads"/>, at most 512.</param>
/// <param name="Heads">Attention heads (default 4, the default architecture's).</param>
/// <param name="Seeds">Training seeds (default 1, 2), distinct.</param>
/// <param name="Steps">Optimizer steps per run, at least 1 (default 1500).</param>
/// <param name="TrainingWindows">n, at least 64 (default 65536).</param>
/// <param name="ProbeWindows">Windows of the probe sample, at least 64 (default 1024).</param>
/// <param name="ProbeSeed">The probe sample's seed (default 2).</param>
/// <param name="HeadShare">The head's share of each family's prior mass, in (0, 1) (default ½).</param>
public sealed record ArchitectureSweepSettings(
    IReadOnlyList<string>? Kinds = null,
    IReadOnlyList<int>? Widths = null,
    int Heads = 4,
    IReadOnlyList<long>? Seeds = null,
    int Steps = 1500,
    int TrainingWindows = 65536,
    int ProbeWindows = 1024,
    long ProbeSeed = 2,
    double HeadShare = 0.5)
{
    /// <summary>The architecture kinds known.</summary>
    public static IReadOnlyList<string> KnownKinds { get; } = ["attention-only", "one-layer", "two-layer", "linear"];

    /// <summary>The defaults.</summary>
    public static ArchitectureSweepSettings Default { get; } = new();

    /// <summary>The default sweep extended to the widths d = 4 and 8 (head width 1 and 2), where the frontier's lower end
    /// lies: every kind already captures more than half the available gain at d = 16.</summary>
    public static ArchitectureSweepSettings SmallWidths { get; } = new(Widths: [4, 8, 16, 32, 64]);

    /// <summary>The label of the default architecture (the data sweep's).</summary>
    public static string DefaultLabel => Describe(TransformerConfig.For(CorpusSpec.Default));

    /// <summary>Kinds used.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> ArchitectureKinds => Kinds ?? KnownKinds;

    /// <summary>Widths used.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<int> ModelWidths => Widths ?? [16, 32, 64];

    /// <summary>Seeds used.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<long> TrainingSeeds => Seeds ?? [1, 2];

    /// <summary>Throws a parameter-naming exception for a bad field; returns this otherwise.</summary>
    public ArchitectureSweepSettings Validate()
    {
        DataSweepSettings.NonEmptyDistinct(ArchitectureKinds, nameof(Kinds));
        DataSweepSettings.NonEmptyDistinct(ModelWidths, nameof(Widths));
        DataSweepSettings.NonEmptyDistinct(TrainingSeeds, nameof(Seeds));
        foreach (string k in ArchitectureKinds)
            if (!KnownKinds.Contains(k)) throw new ArgumentException($"kind '{k}' is not one of {string.Join(", ", KnownKinds)}.", nameof(Kinds));
        if (Heads < 1) throw new ArgumentOutOfRangeException(nameof(Heads), Heads, "heads must be at least 1.");
        foreach (int d in ModelWidths)
            if (d < Heads || d > 512 || d % Heads != 0)
                throw new ArgumentOutOfRangeException(nameof(Widths), d, $"every width must be a multiple of heads = {Heads}, at most 512.");
        SweepRecipes.ValidateTraining(Steps, TrainingWindows, ProbeWindows, HeadShare);
        return this;
    }

    /// <summary>The architecture of a kind at width d on the default corpus, and its peak learning rate.</summary>
    public (TransformerConfig Model, double LearningRate) Architecture(string kind, int width)
    {
        var d = TrainingRunConfig.Default;
        var model = d.Model with { ModelDimension = width, Heads = Heads };
        return kind switch
        {
            "attention-only" => (model with { Layers = 1, Mlp = false }, d.Training.LearningRate),
            "one-layer" => (model with { Layers = 1 }, d.Training.LearningRate),
            "two-layer" => (model with { Layers = 2 }, d.Training.LearningRate),
            "linear" => (model with { Layers = 1, Attention = AttentionKind.Linear }, TrainingRunConfig.LinearAttention.Training.LearningRate),
            _ => throw new ArgumentException($"kind '{kind}' is not one of {string.Join(", ", KnownKinds)}.", nameof(kind)),
        };
    }

    /// <summary>The recipe of one kind, width and seed.</summary>
    public TrainingRunConfig Recipe(string kind, int width, long seed)
    {
        var (model, lr) = Architecture(kind, width);
        var d = TrainingRunConfig.Default;
        return SweepRecipes.Recipe(d with { Model = model.Validate(), Training = d.Training with { LearningRate = lr } }, Steps, TrainingWindows, seed);
    }

    /// <summary>An architecture's label, e.g. <c>2L softmax+MLP d=64 h=4</c>.</summary>
    public static string Describe(TransformerConfig model) => string.Create(CultureInfo.InvariantCulture,
        $"{model.Layers}L {(model.Attention == AttentionKind.Linear ? "linear" : "softmax")}{(model.Mlp ? "+MLP" : " attn-only")} d={model.ModelDimension} h={model.Heads}");

    internal string ProbeKey() => SweepRecipes.ProbeKey(ProbeWindows, ProbeSeed, HeadShare);

    /// <summary>Everything that determines the sweep's result, as text (the shipped file's key).</summary>
    public string Key() =>
        $"phases-architecture|{string.Join(";", ArchitectureKinds.SelectMany(k => ModelWidths.Select(w => Recipe(k, w, 0).ContentHash())))}" +
        $"|seeds={string.Join(",", TrainingSeeds)}|{ProbeKey()}";
}
