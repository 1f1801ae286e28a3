using Slt.Contexts;
using Slt.Model;
using Slt.Training;
using Slt.Truth;

namespace Slt.Phases;

/// <summary>
/// One trained model of a sweep and what it does: its corpus's knobs, its architecture, its training seed, and the
/// probe's reading (<see cref="SweepProbe"/>) on bursty windows of its corpus's tasks and prior.
/// </summary>
/// <param name="Corpus">A label for the corpus, e.g. <c>α=1, b=1, 64 tasks</c>.</param>
/// <param name="ZipfExponent">α of the training corpus's task prior.</param>
/// <param name="Burstiness">The training corpus's probability that the task persists to the next token.</param>
/// <param name="TasksPerFamily">The training corpus's tasks per family.</param>
/// <param name="Architecture">A label for the architecture (<see cref="ArchitectureSweepSettings.Describe"/>).</param>
/// <param name="Model">The architecture.</param>
/// <param name="Parameters">The model's number of trainable parameters.</param>
/// <param name="LearningRate">The peak learning rate it was trained with.</param>
/// <param name="Seed">The training seed (initial weights, training sample, batch order); the corpus seed is fixed.</param>
/// <param name="RecipeHash">The training recipe's content hash (<see cref="TrainingRunConfig.ContentHash"/>).</param>
/// <param name="Reading">G ± se per family and class, K^l, and the in-weights loss and share, on the probe sample.</param>
/// <param name="OwnGain">G ± se on windows of the training corpus itself when it is not bursty (burstiness &lt; 1: tasks
/// switch inside windows and the available gain shrinks); null when the probe is the training corpus.</param>
/// <param name="FinalLoss">The training run's last evaluation, L/(C − 1) per token (nats).</param>
/// <param name="TrainingSeconds">Wall-clock seconds of training when it ran (0 if read from the cache's record is
/// unavailable).</param>
public sealed record SweepMeasurement(
    string Corpus,
    double ZipfExponent,
    double Burstiness,
    int TasksPerFamily,
    string Architecture,
    TransformerConfig Model,
    long Parameters,
    double LearningRate,
    long Seed,
    string RecipeHash,
    ProbeReading Reading,
    Transitions.CapturedGain? OwnGain,
    double FinalLoss,
    double TrainingSeconds)
{
    /// <summary>The probe's corpus for a training corpus: the same tasks and prior, one task per window (burstiness 1), so
    /// every model's in-context gain is read on windows where the context identifies the task.</summary>
    public static CorpusSpec ProbeCorpus(CorpusSpec corpus) => corpus with { Burstiness = 1 };

    /// <summary>A corpus's label.</summary>
    public static string Describe(CorpusSpec corpus) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"α={corpus.ZipfExponent:G4}, b={corpus.Burstiness:G4}, {corpus.TasksPerFamily} tasks");

    /// <summary>
    /// Trains <paramref name="recipe"/> (or loads it from <see cref="TrainedModelCache"/>) and measures it on
    /// <paramref name="probe"/>, the in-weights share against the run's step-0 weights. Cached under
    /// <c>SLT_CACHE/phases</c> by recipe, probe and this library's build.
    /// </summary>
    /// <param name="recipe">The training recipe (whole corpus, no family restriction).</param>
    /// <param name="architecture">The architecture's label.</param>
    /// <param name="probe">The probe of <see cref="ProbeCorpus"/>(recipe.Corpus).</param>
    /// <param name="probeKey">Everything that determines the probe (windows, seed, head share), for the cache key.</param>
    /// <param name="own">The probe of the training corpus itself when it differs from <paramref name="probe"/>'s (burstiness &lt; 1).</param>
    /// <param name="useCache">False: neither read nor write the measurement cache (the training cache is still used).</param>
    /// <param name="trainingDirectory">The training cache's folder (default <see cref="TrainedModelCache.DefaultDirectory"/>).</param>
    /// <exception cref="ArgumentException">The recipe restricts training to one family, or the probe is not of its corpus's tasks.</exception>
    public static SweepMeasurement Measure(TrainingRunConfig recipe, string architecture, SweepProbe probe, string probeKey,
        SweepProbe? own = null, bool useCache = true, string? trainingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(probe);
        recipe.Validate();
        if (recipe.Family is not null) throw new ArgumentException("A sweep trains on the whole corpus; the recipe names a family.", nameof(recipe));
        if (probe.Truth.Spec.ContentHash() != ProbeCorpus(recipe.Corpus).ContentHash())
            throw new ArgumentException("The probe is not the bursty version of the recipe's corpus.", nameof(probe));
        string key = $"phases-run|{recipe.ContentHash()}|{architecture}|{probeKey}|own={(own is null ? "-" : own.Truth.Spec.ContentHash())}|" +
                     typeof(SweepMeasurement).Assembly.ManifestModule.ModuleVersionId.ToString("N");
        return ContextResultCache.GetOrCompute("phases-run", key, () => Compute(recipe, architecture, probe, own, trainingDirectory), CacheDirectory, useCache).Result;
    }

    /// <summary><c>SLT_CACHE</c>/phases if set, else <c>{temp}/slt-cache/phases</c>.</summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("SLT_CACHE") is { Length: > 0 } dir
            ? Path.Combine(dir, "phases")
            : Path.Combine(Path.GetTempPath(), "slt-cache", "phases");

    private static SweepMeasurement Compute(TrainingRunConfig recipe, string architecture, SweepProbe probe, SweepProbe? own, string? trainingDirectory)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (model, run) = TrainedModelCache.GetOrTrain(recipe, trainingDirectory);
        double seconds = run.Seconds > 0 ? run.Seconds : clock.Elapsed.TotalSeconds;
        string? initial = run.Checkpoints.FirstOrDefault(c => c.Step == 0)?.CheckpointFile;
        if (initial is null || !File.Exists(initial))
            throw new InvalidOperationException($"The training run of recipe {recipe.ContentHash()} kept no step-0 checkpoint; the in-weights share needs the untrained weights.");
        using (model)
        {
            model.eval();
            long parameters = model.parameters().Sum(p => p.numel());
            using var untrained = TransformerCheckpoint.Load(initial).Model;
            untrained.eval();
            var reading = probe.Measure(model, untrained);
            var ownGain = own?.Measure(model).Gain();
            return new SweepMeasurement(Describe(recipe.Corpus), recipe.Corpus.ZipfExponent, recipe.Corpus.Burstiness, recipe.Corpus.TasksPerFamily,
                architecture, recipe.Model, parameters, recipe.Training.LearningRate, recipe.Training.Seed, recipe.ContentHash(),
                reading, ownGain, run.Final.MeanCrossEntropy, seconds);
        }
    }
}
