using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Slt.Model;
using Slt.Platform;
using Slt.Training;
using Slt.Truth;

namespace Slt.Contexts;

/// <summary>
/// How true is the contexts-to-weights hypothesis, and when in training does it become true: the fitted context map's
/// held-out R (<see cref="ContextFitEvaluation"/>) per family, per context length and per training checkpoint.
/// </summary>
/// <remarks>
/// Cells (checkpoint × family × length) are independent fits and run on <c>workers</c> threads, each fit on its own
/// copy of the checkpoint's model; a fit is deterministic, so the result does not depend on the number of workers (for a
/// fixed libtorch thread count). <see cref="ForTrainingRun"/> caches the result on disk keyed by the recipe, the settings
/// and this library's build, as <see cref="TrainedModelCache"/> does.
/// </remarks>
public static class ContextFitSweep
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly object Gate = new();

    /// <summary><c>SLT_CACHE</c>/contexts if set, else <c>{temp}/slt-cache/contexts</c>.</summary>
    public static string DefaultDirectory =>
        Environment.GetEnvironmentVariable("SLT_CACHE") is { Length: > 0 } dir
            ? Path.Combine(dir, "contexts")
            : Path.Combine(Path.GetTempPath(), "slt-cache", "contexts");

    /// <summary>The default number of workers: the processor count over libtorch's thread count (at least 1).</summary>
    public static int DefaultWorkers() => Math.Max(1, Environment.ProcessorCount / Math.Max(1, TorchRuntime.Threads));

    /// <summary>
    /// The sweep at every checkpoint of <paramref name="recipe"/>'s training run (only the final weights when
    /// <paramref name="finalOnly"/>), trained or loaded through <see cref="TrainedModelCache"/>; the result is cached
    /// in <paramref name="directory"/> (default <see cref="DefaultDirectory"/>) and served from there when the recipe,
    /// the settings and the library build are the same.
    /// </summary>
    /// <param name="recipe">The training recipe whose checkpoints are swept.</param>
    /// <param name="settings">What each cell measures.</param>
    /// <param name="finalOnly">Only the final weights.</param>
    /// <param name="directory">The cache folder (default <see cref="DefaultDirectory"/>).</param>
    /// <param name="workers">Fits at once (default <see cref="DefaultWorkers"/>).</param>
    /// <param name="progress">Receives a line per finished fit.</param>
    /// <param name="useCache">False: neither read nor write the cache.</param>
    public static ContextFitSweepResult ForTrainingRun(TrainingRunConfig recipe, ContextFitSweepSettings settings, bool finalOnly = false,
        string? directory = null, int? workers = null, IProgress<string>? progress = null, bool useCache = true)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(settings);
        TorchRuntime.Initialize();
        recipe.Validate();
        settings.Validate(recipe.Corpus.ContextLength);
        string file = CacheFile(recipe, settings, finalOnly, directory);
        lock (Gate)
        {
            if (useCache && File.Exists(file))
            {
                var cached = FromJson(File.ReadAllText(file));
                return cached with { FromCache = true };
            }
            progress?.Report("training (or loading from the training cache) …");
            var (final, run) = TrainedModelCache.GetOrTrain(recipe);
            var checkpoints = new List<(int, Transformer)>();
            try
            {
                if (finalOnly) checkpoints.Add((run.Checkpoints[^1].Step, final));
                else
                {
                    foreach (var c in run.Checkpoints)
                    {
                        if (c.CheckpointFile is null || !File.Exists(c.CheckpointFile))
                            throw new InvalidOperationException($"The training run's checkpoint at step {c.Step} was not saved ('{c.CheckpointFile}'); run with finalOnly or retrain.");
                        checkpoints.Add((c.Step, TransformerCheckpoint.Load(c.CheckpointFile).Model));
                    }
                }
                var result = Run(new TrueDistribution(recipe.Corpus), checkpoints, settings, workers, progress);
                if (!useCache) return result;
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                string staging = file + ".staging-" + Environment.ProcessId;
                File.WriteAllText(staging, ToJson(result));
                File.Move(staging, file, overwrite: true);
                return result;
            }
            finally
            {
                foreach (var (_, m) in checkpoints) if (!ReferenceEquals(m, final)) m.Dispose();
            }
        }
    }

    /// <summary>The cache file of a sweep: <c>{directory}/{hash of recipe, settings, finalOnly}-{library build}.json</c>.</summary>
    public static string CacheFile(TrainingRunConfig recipe, ContextFitSweepSettings settings, bool finalOnly, string? directory = null)
    {
        string key = recipe.ToJson() + "\n" + settings.ToJson() + "\n" + (finalOnly ? "final" : "all");
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)), 0, 8).ToLowerInvariant();
        string build = typeof(ContextFitSweep).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12];
        return Path.Combine(directory ?? DefaultDirectory, $"fit-sweep-{hash}-{build}.json");
    }

    /// <summary>
    /// The sweep over explicit checkpoints (step, model) against the truth <paramref name="truth"/>. The models are not
    /// modified (each fit works on a copy).
    /// </summary>
    /// <exception cref="ArgumentException">Bad settings, an unknown parameter in the subset, or a model that does not fit the truth.</exception>
    public static ContextFitSweepResult Run(TrueDistribution truth, IReadOnlyList<(int Step, Transformer Model)> checkpoints,
        ContextFitSweepSettings settings, int? workers = null, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(settings);
        if (checkpoints.Count == 0) throw new ArgumentException("No checkpoints to sweep.", nameof(checkpoints));
        settings.Validate(truth.ContextLength);
        if (workers is < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "workers must be at least 1.");
        var subset = new ParameterSubset(settings.Subset);
        foreach (var (_, model) in checkpoints)
        {
            if (model.Config.VocabularySize != truth.Vocabulary.Count || model.Config.ContextLength != truth.ContextLength)
                throw new ArgumentException($"A checkpoint's model (|S| = {model.Config.VocabularySize}, C = {model.Config.ContextLength}) does not fit the corpus (|S| = {truth.Vocabulary.Count}, C = {truth.ContextLength}).", nameof(checkpoints));
            subset.Resolve(model); // an unknown name fails here, before any fit
        }
        var tasks = ContextualQueries.MostFrequentTaskPerFamily(truth);
        var data = new List<(ContextualQueries Train, ContextualQueries Test)>();
        foreach (int task in tasks)
            foreach (int m in settings.Lengths)
            {
                var train = ContextualQueries.Draw(truth, task, m, settings.QueryLength, settings.TrainQueries, settings.Seed);
                data.Add((train, train.WithQueries(settings.TestQueries, settings.Seed + 1)));
            }
        var cells = (from c in Enumerable.Range(0, checkpoints.Count) from d in Enumerable.Range(0, data.Count) select (c, d)).ToArray();
        var rows = new ContextFitRow[cells.Length];
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        int done = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers ?? DefaultWorkers() };
        Parallel.For(0, cells.Length, options, i =>
        {
            var (c, d) = cells[i];
            var (step, model) = checkpoints[c];
            var (train, test) = data[d];
            var cellClock = Stopwatch.StartNew();
            using var mother = ModelCopies.Copy(model);
            using var fit = FittedContextMap.Fit(mother, train, subset, settings.FitSettings);
            var e = fit.Evaluate(test);
            rows[i] = new ContextFitRow(step, train.Family, train.FamilyName, train.Task, train.ContextLength, settings.Subset, e,
                fit.Losses[0], fit.FinalLoss, fit.TailDrop, cellClock.Elapsed.TotalSeconds);
            int k = Interlocked.Increment(ref done);
            progress?.Report($"fit {k}/{cells.Length}: step {step}, {train.FamilyName}, m = {train.ContextLength}: R = {e.R:F3} ± {e.RSe:F3}");
        });
        return new ContextFitSweepResult(settings, rows, clock.Elapsed.TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, options.MaxDegreeOfParallelism, false);
    }

    public static string ToJson(ContextFitSweepResult result) => JsonSerializer.Serialize(result, Json);

    public static ContextFitSweepResult FromJson(string json) =>
        JsonSerializer.Deserialize<ContextFitSweepResult>(json, Json) ?? throw new InvalidDataException("A context-fit sweep's JSON was empty.");
}
