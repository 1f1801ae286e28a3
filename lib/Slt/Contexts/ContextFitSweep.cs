using System.Diagnostics;
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
/// and this library's build, as <see cref="TrainedModelCache"/> does. Run it with one libtorch thread
/// (<c>TorchRuntime.Initialize(1)</c>, as the CLI does) so that the workers take the cores: each fit is too small to
/// gain from several threads, and on a busy machine they make it several times slower (docs/contexts.md).
/// </remarks>
public static class ContextFitSweep
{
    /// <summary>Where results are cached: <see cref="ContextResultCache.DefaultDirectory"/>.</summary>
    public static string DefaultDirectory => ContextResultCache.DefaultDirectory;

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
    /// <param name="ship">Compute afresh and write the result to <c>data/results</c> with the final model's fingerprint
    /// (<see cref="ModelFingerprint"/>). Otherwise, on a cache miss, a result shipped there for the same recipe and
    /// settings is read when the final model this code trains has the same fingerprint.</param>
    public static ContextFitSweepResult ForTrainingRun(TrainingRunConfig recipe, ContextFitSweepSettings settings, bool finalOnly = false,
        string? directory = null, int? workers = null, IProgress<string>? progress = null, bool useCache = true, bool ship = false)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(settings);
        TorchRuntime.Initialize();
        recipe.Validate();
        settings.Validate(recipe.Corpus.ContextLength);
        var (result, fromCache) = ContextResultCache.GetOrCompute("fit-sweep", CacheKey(recipe, settings, finalOnly), () =>
        {
            var checkpoints = LoadCheckpoints(recipe, finalOnly, progress, out var final);
            try
            {
                var truth = new TrueDistribution(recipe.Corpus);
                double fingerprint = ModelFingerprint.Of(final, new CorpusGenerator(truth).SpecSample());
                var (sweep, shipped) = Configuration.ShippedResults.ReadOrCompute("fit-sweep", CacheKey(recipe, settings, finalOnly), fingerprint,
                    () => Run(truth, checkpoints, settings, workers, progress), ship);
                return sweep with { Shipped = shipped };
            }
            finally
            {
                foreach (var (_, m) in checkpoints) m.Dispose();
                final.Dispose();
            }
        }, directory, useCache && !ship);
        return result with { FromCache = fromCache };
    }

    /// <summary>
    /// Sweeps several subsets (each with its own fit settings) at the final weights of <paramref name="recipe"/>, each
    /// cached as by <see cref="ForTrainingRun"/>: which blocks of w can carry what a context does.
    /// </summary>
    public static SubsetComparison CompareSubsets(TrainingRunConfig recipe, IReadOnlyList<ContextFitSweepSettings> variants,
        string? directory = null, int? workers = null, IProgress<string>? progress = null, bool useCache = true)
    {
        ArgumentNullException.ThrowIfNull(variants);
        if (variants.Count == 0) throw new ArgumentException("Name at least one subset to compare.", nameof(variants));
        return new SubsetComparison(variants.Select(v => ForTrainingRun(recipe, v, finalOnly: true, directory, workers, progress, useCache)).ToArray());
    }

    /// <summary>The training run's checkpoints as (step, model), or only the final weights; <paramref name="final"/> is the cached final model.</summary>
    internal static List<(int Step, Transformer Model)> LoadCheckpoints(TrainingRunConfig recipe, bool finalOnly, IProgress<string>? progress, out Transformer final)
    {
        progress?.Report("training (or loading from the training cache) …");
        var (model, run) = TrainedModelCache.GetOrTrain(recipe);
        final = model;
        var checkpoints = new List<(int, Transformer)>();
        if (finalOnly)
        {
            checkpoints.Add((run.Checkpoints[^1].Step, ModelCopies.Copy(model)));
            return checkpoints;
        }
        foreach (var c in run.Checkpoints)
        {
            if (c.CheckpointFile is null || !File.Exists(c.CheckpointFile))
            {
                foreach (var (_, m) in checkpoints) m.Dispose();
                throw new InvalidOperationException($"The training run's checkpoint at step {c.Step} was not saved ('{c.CheckpointFile}'); sweep the final weights only, or retrain.");
            }
            checkpoints.Add((c.Step, TransformerCheckpoint.Load(c.CheckpointFile).Model));
        }
        return checkpoints;
    }

    private static string CacheKey(TrainingRunConfig recipe, ContextFitSweepSettings settings, bool finalOnly) =>
        recipe.ToJson() + "\n" + settings.ToJson() + "\n" + (finalOnly ? "final" : "all");

    /// <summary>The cache file of a sweep (see <see cref="ContextResultCache"/>).</summary>
    public static string CacheFile(TrainingRunConfig recipe, ContextFitSweepSettings settings, bool finalOnly, string? directory = null) =>
        ContextResultCache.File("fit-sweep", CacheKey(recipe, settings, finalOnly), directory);

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
}
