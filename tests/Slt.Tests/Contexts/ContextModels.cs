using Slt.Model;
using Slt.Platform;
using Slt.Training;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Tests.Contexts;

/// <summary>Small transformers on the default corpus for the context-map tests: random ones and one briefly trained.</summary>
/// <remarks>Small models run fastest on one libtorch thread (several threads on a shared machine spin against each
/// other); the context tests fix one thread, as the CLI does by default.</remarks>
internal static class ContextModels
{
    static ContextModels() => TorchRuntime.Initialize(1);

    public static readonly TrueDistribution Truth = new(CorpusSpec.Default);

    /// <summary>A small two-layer architecture on the default corpus (C = 32).</summary>
    public static TransformerConfig Small(int layers = 2) =>
        new(new Vocabulary(CorpusSpec.Default).Count, CorpusSpec.Default.ContextLength, ModelDimension: 16, Layers: layers, Heads: 2);

    /// <summary>
    /// Random weights well away from the initialisation's small scale: matrices N(0, 0.3²), biases N(0, 0.1²),
    /// LayerNorm gains 1 + N(0, 0.1²), so attention patterns and MLP activations are far from trivial.
    /// </summary>
    public static Transformer Random(long seed, int layers = 2, ScalarType dtype = ScalarType.Float32)
    {
        var model = new Transformer(Small(layers), seed);
        using var generator = new Generator((ulong)(seed + 1000));
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
            {
                if (name.Contains("_norm.") && name.EndsWith(".weight")) p.normal_(1.0, 0.1, generator);
                else if (name.EndsWith(".bias")) p.normal_(0.0, 0.1, generator);
                else p.normal_(0.0, 0.3, generator);
            }
        }
        model.eval();
        if (dtype == ScalarType.Float32) return model;
        using (model) return Slt.Contexts.ModelCopies.Copy(model, dtype);
    }

    private static readonly Lazy<(Transformer Model, TrainingRun Run)> TrainedRun = new(() =>
    {
        var recipe = new TrainingRunConfig(CorpusSpec.Default, Small(),
            new TrainingConfig(Steps: 120, BatchSize: 16, LearningRate: 1e-2, WarmupSteps: 10, Seed: 3, TrainingWindows: 512, EvaluationWindows: 8, Checkpoints: 3));
        string dir = Path.Combine(Path.GetTempPath(), $"slt-contexts-tests-{Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } };
        var (model, run) = Trainer.Train(recipe, dir);
        model.eval();
        return (model, run);
    });

    /// <summary>A small two-layer model trained for 120 steps on the default corpus (once per test process), float32.</summary>
    public static Transformer Trained => TrainedRun.Value.Model;

    /// <summary>The training run of <see cref="Trained"/>, with its checkpoints on disk.</summary>
    public static TrainingRun TrainedRecord => TrainedRun.Value.Run;
}
