using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Slt.Additivity;
using Slt.Configuration;
using Slt.Contexts;
using Slt.Diagnostics;
using Slt.Estimators;
using Slt.Losses;
using Slt.Model;
using Slt.Presentation;
using Slt.Sampling;
using Slt.Training;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Transitions;

/// <summary>The measurements at one checkpoint of a trajectory.</summary>
/// <param name="Step">Training step.</param>
/// <param name="LossPerToken">L/(C − 1) on the evaluation sample (exact cross-entropy against the truth, per prediction).</param>
/// <param name="Kl">K = Σ_l K^l on the evaluation sample (nats per window).</param>
/// <param name="KlStandardError">Its standard error.</param>
/// <param name="KlByLength">K^l, index l − 1.</param>
/// <param name="CapturedGain">The captured share of the truth's in-context gain (<see cref="LengthDecomposedLoss.CapturedGainFraction"/>).</param>
/// <param name="Whole">λ̂ of the whole sample at nβ = N / log N.</param>
/// <param name="Families">Each family's data-restricted λ̂_f at n_f β (empty when not asked for).</param>
public sealed record LlcTrajectoryPoint(int Step, double LossPerToken, double Kl, double KlStandardError, double[] KlByLength,
    double CapturedGain, LlcSummary Whole, IReadOnlyList<LlcSummary> Families);

/// <summary>
/// The LLC over training: at every checkpoint of a run, λ̂(w_t) ± se with its verdict, at one fixed set of sampler
/// settings, beside the loss, K (total and per length) and the captured in-context gain, and optionally each family's
/// data-restricted λ̂_f(w_t) (the seminar's daughters: type-B transitions show in one family's curve). Stage boundaries
/// are the significant critical points of these curves (<see cref="Stages"/>, <see cref="TrainingStages"/>).
/// Every estimate uses the same sample, seed and settings, so differences between checkpoints are differences between
/// the weights; λ̂ of a transformer depends on γ (docs/transformer-llc.md §3), so compare trajectories only at equal settings.
/// </summary>
/// <param name="Settings">What was measured.</param>
/// <param name="Source">Where the checkpoints came from: a recipe's content hash or a folder.</param>
/// <param name="FamilyNames">The corpus's families, in order.</param>
/// <param name="Points">One per checkpoint, in training order.</param>
/// <param name="Seconds">Wall-clock seconds of the computation (of the run that filled the cache, when cached).</param>
/// <param name="FromCache">Whether it was read from the cache.</param>
public sealed record LlcTrajectory(LlcTrajectorySettings Settings, string Source, IReadOnlyList<string> FamilyNames,
    IReadOnlyList<LlcTrajectoryPoint> Points, double Seconds, bool FromCache)
{
    /// <summary>The checkpoints' steps.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int[] Steps => Points.Select(p => p.Step).ToArray();

    /// <summary>Measures every checkpoint: the evaluation curves, λ̂ of the whole sample and, if asked, of each family's windows.</summary>
    /// <param name="truth">The corpus's exact truth (the evaluation sample and the LLC sample are drawn from it).</param>
    /// <param name="checkpoints">(step, checkpoint file) in training order; each file holds a <see cref="Transformer"/>.</param>
    /// <param name="settings">What to measure (default <see cref="LlcTrajectorySettings.Default"/>).</param>
    /// <param name="source">A label for <see cref="Source"/>.</param>
    /// <param name="progress">Receives (checkpoints done, checkpoints, which) before each checkpoint.</param>
    /// <param name="cancellationToken">Stops sampling.</param>
    /// <exception cref="ArgumentException">No checkpoints, steps not increasing, or a file missing.</exception>
    public static LlcTrajectory Estimate(TrueDistribution truth, IReadOnlyList<(int Step, string File)> checkpoints, LlcTrajectorySettings? settings = null,
        string source = "checkpoints", IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(checkpoints);
        settings = (settings ?? LlcTrajectorySettings.Default).Validated();
        if (checkpoints.Count == 0) throw new ArgumentException("Give at least one checkpoint.", nameof(checkpoints));
        for (int i = 0; i < checkpoints.Count; i++)
        {
            if (!File.Exists(checkpoints[i].File)) throw new ArgumentException($"Checkpoint file '{checkpoints[i].File}' (step {checkpoints[i].Step}) does not exist.", nameof(checkpoints));
            if (i > 0 && checkpoints[i].Step <= checkpoints[i - 1].Step)
                throw new ArgumentException($"Checkpoint steps must increase: {checkpoints[i - 1].Step} then {checkpoints[i].Step}.", nameof(checkpoints));
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var generator = new CorpusGenerator(truth);
        var kl = new LengthDecomposedKl(truth, generator.Sample(settings.EvaluationWindows, settings.EvaluationSeed));
        var partition = FamilyPartition.Of(generator.Sample(settings.Windows, settings.DataSeed));
        var points = new List<LlcTrajectoryPoint>();
        for (int i = 0; i < checkpoints.Count; i++)
        {
            var (step, file) = checkpoints[i];
            progress?.Report(new SamplingProgress(i, checkpoints.Count, $"checkpoint {i + 1} of {checkpoints.Count}: step {step}"));
            using var scope = NewDisposeScope();
            var (model, _) = TransformerCheckpoint.Load(file);
            using (model)
            {
                model.eval();
                var e = kl.Evaluate(model);
                var whole = Sample(model, partition.Sample, partition.WholeNBeta, "whole", settings.Sampler, cancellationToken);
                var families = new List<LlcSummary>();
                if (settings.PerFamily)
                    for (int f = 0; f < partition.FamilyNames.Count; f++)
                        families.Add(Sample(model, partition.SampleOf(f), partition.PartNBeta(f), partition.FamilyNames[f],
                            settings.Sampler with { Seed = settings.Sampler.Seed + 1 + f }, cancellationToken));
                points.Add(new LlcTrajectoryPoint(step, e.MeanCrossEntropy, e.TotalKl, e.TotalKlStandardError, e.Kl, e.CapturedGainFraction, whole, families));
            }
        }
        return new LlcTrajectory(settings, source, partition.FamilyNames.ToArray(), points, clock.Elapsed.TotalSeconds, false);
    }

    private static LlcSummary Sample(Transformer model, WindowSample data, double nBeta, string name, SgldSettings settings, CancellationToken token)
    {
        using var target = NextTokenTarget.Create(model, data);
        var result = LocalLearningCoefficient.Estimate(target, settings with { NBeta = nBeta }, cancellationToken: token);
        return LlcSummary.From(name, data.Count, result);
    }

    /// <summary>
    /// The trajectory of a recipe's training run (trained once through <see cref="TrainedModelCache"/>), cached under
    /// <c>SLT_CACHE/transitions</c> by recipe, settings and library build (<see cref="ContextResultCache"/>). On a cache
    /// miss it reads the result shipped in <c>data/results</c> (<see cref="ShippedResults"/>, written by
    /// <c>slt llc transformer --checkpoints run --ship</c>) when one exists for the same recipe and settings and the model
    /// it measured is the model this code trains (L_n(w*) of the last checkpoint on the sample agrees to 1e−4 relative);
    /// otherwise it computes the trajectory (about ten minutes on two cores for the default run).
    /// </summary>
    /// <param name="recipe">The training recipe (default <see cref="TrainingRunConfig.Default"/>).</param>
    /// <param name="settings">What to measure (default <see cref="LlcTrajectorySettings.Default"/>).</param>
    /// <param name="useCache">False: neither read nor write the cache, nor read a shipped result.</param>
    /// <param name="directory">The results cache folder (default <see cref="CacheDirectory"/>).</param>
    /// <param name="progress">Progress, checkpoint by checkpoint.</param>
    /// <param name="cancellationToken">Stops sampling.</param>
    /// <param name="shipped">The shipped results folder (default <see cref="ShippedResults.DefaultDirectory"/>).</param>
    public static LlcTrajectory ForTrainingRun(TrainingRunConfig? recipe = null, LlcTrajectorySettings? settings = null, bool useCache = true, string? directory = null,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default, string? shipped = null)
    {
        recipe ??= TrainingRunConfig.Default;
        settings = (settings ?? LlcTrajectorySettings.Default).Validated();
        string key = ShippedKey(recipe, settings);
        var (result, fromCache) = ContextResultCache.GetOrCompute(Kind, key, () =>
        {
            var (model, run) = TrainedModelCache.GetOrTrain(recipe);
            var truth = new TrueDistribution(recipe.Corpus);
            using (model)
            {
                if (useCache && ShippedResults.TryRead<LlcTrajectory>(Kind, key, shipped) is { } stored && stored.Points.Count > 0)
                {
                    double now = LossAtOptimum(model, truth, settings), then = stored.Points[^1].Whole.LossAtOptimum;
                    if (Math.Abs(now - then) <= 1e-4 * Math.Abs(then)) return stored with { Shipped = true };
                }
            }
            var files = run.Checkpoints.Where(c => c.CheckpointFile is not null).Select(c => (c.Step, c.CheckpointFile!)).ToArray();
            return Estimate(truth, files, settings, $"recipe {recipe.ContentHash()}", progress, cancellationToken);
        }, directory ?? CacheDirectory, useCache);
        return result with { FromCache = fromCache };
    }

    /// <summary>Writes a recipe's trajectory to the shipped results (<see cref="ShippedResults"/>); returns the file.</summary>
    public static string Ship(LlcTrajectory trajectory, TrainingRunConfig recipe, string? directory = null) =>
        ShippedResults.Write(Kind, ShippedKey(recipe, trajectory.Settings), trajectory with { FromCache = false, Shipped = false }, directory);

    private const string Kind = "llc-trajectory";

    private static string ShippedKey(TrainingRunConfig recipe, LlcTrajectorySettings settings) =>
        $"llc-trajectory|{recipe.ContentHash()}|{JsonSerializer.Serialize(settings with { Sampler = null! })}|{FamilyInterference.SettingsKey(settings.Sampler)}";

    /// <summary>L_n(w*) per window on the trajectory's LLC sample: the fingerprint that ties a stored trajectory to a model.</summary>
    private static double LossAtOptimum(Transformer model, TrueDistribution truth, LlcTrajectorySettings settings)
    {
        using var scope = NewDisposeScope();
        model.eval();
        var sample = new CorpusGenerator(truth).Sample(settings.Windows, settings.DataSeed);
        using var _ = no_grad();
        return Losses.NextTokenLoss.PerWindow(model, sample.ToTensor()).mean().item<float>();
    }

    /// <summary>Whether this trajectory was read from the shipped results rather than computed in this process or cache.</summary>
    public bool Shipped { get; init; }

    /// <summary>The checkpoints of a folder written by <c>slt train</c> (<c>step-NNNNNNN.ckpt</c>, or its <c>checkpoints/</c>
    /// subfolder), in step order, with the corpus their headers hold.</summary>
    /// <exception cref="ArgumentException">The folder does not exist, holds no checkpoint, or a checkpoint holds no corpus spec.</exception>
    public static (TrueDistribution Truth, IReadOnlyList<(int Step, string File)> Checkpoints) ReadFolder(string directory)
    {
        if (!Directory.Exists(directory)) throw new ArgumentException($"Checkpoint folder '{directory}' does not exist.", nameof(directory));
        string folder = Directory.GetFiles(directory, "step-*.ckpt").Length == 0 && Directory.Exists(Path.Combine(directory, "checkpoints"))
            ? Path.Combine(directory, "checkpoints") : directory;
        var files = Directory.GetFiles(folder, "step-*.ckpt");
        if (files.Length == 0) throw new ArgumentException($"Folder '{directory}' holds no step-*.ckpt checkpoint (write them with slt train).", nameof(directory));
        var checkpoints = new List<(int Step, string File)>();
        string? corpus = null;
        foreach (var file in files)
        {
            var (model, header) = TransformerCheckpoint.Load(file);
            model.Dispose();
            if (string.IsNullOrEmpty(header.CorpusSpecJson))
                throw new ArgumentException($"Checkpoint '{file}' holds no corpus spec, so its data cannot be drawn; use checkpoints written by slt train.", nameof(directory));
            corpus ??= header.CorpusSpecJson;
            checkpoints.Add(((int)header.Step, file));
        }
        var ordered = checkpoints.OrderBy(c => c.Step).ToArray();
        for (int i = 1; i < ordered.Length; i++)
            if (ordered[i].Step == ordered[i - 1].Step) throw new ArgumentException($"Two checkpoints in '{directory}' hold step {ordered[i].Step}.", nameof(directory));
        return (new TrueDistribution(CorpusSpec.FromJson(corpus!, $"corpus spec of '{ordered[0].File}'")), ordered);
    }

    /// <summary><c>SLT_CACHE/transitions</c> if set, else <c>{temp}/slt-cache/transitions</c>.</summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("SLT_CACHE") is { Length: > 0 } dir
            ? Path.Combine(dir, "transitions")
            : Path.Combine(Path.GetTempPath(), "slt-cache", "transitions");

    /// <summary>Where the numbers come from and what they cost, in one line.</summary>
    public string Summary()
    {
        var s = Settings.Sampler;
        string origin = Shipped ? "read from data/results (computed by `slt llc transformer --checkpoints run --ship`)"
            : FromCache ? "read from the cache" : "computed now";
        int estimates = Points.Sum(p => 1 + p.Families.Count);
        return FormattableString.Invariant(
            $"{Points.Count} checkpoints, {estimates} estimates, {origin}; the computation took {Seconds:F0} s. ") +
            FormattableString.Invariant($"Sample: {Settings.Windows} windows (seed {Settings.DataSeed}), nβ = {Points[0].Whole.NBeta:F2}; ") +
            FormattableString.Invariant($"SGLD ε = {s.StepSize.ToString("0.##e0", System.Globalization.CultureInfo.InvariantCulture)}, γ = {s.Localization:G4}, {s.Chains} chains × ({s.BurnIn} + {s.Draws} × {s.StepsBetweenDraws} steps), batches of {s.BatchSize} windows.");
    }

    /// <summary>
    /// Recomputes the last checkpoint's whole-sample λ̂ now, with the trajectory's settings, on the model a recipe trains,
    /// to check a stored (cached or shipped) trajectory against the current code: with the same weights, sample and seed
    /// the two agree to rounding; on another machine within their combined standard error.
    /// </summary>
    /// <param name="recipe">The recipe the trajectory measured (default <see cref="TrainingRunConfig.Default"/>).</param>
    /// <param name="progress">The sampler's progress.</param>
    /// <returns>The stored and the recomputed estimate.</returns>
    public (LlcSummary Stored, LlcSummary Now) RecomputeLast(TrainingRunConfig? recipe = null, IProgress<SamplingProgress>? progress = null)
    {
        recipe ??= TrainingRunConfig.Default;
        var (model, run) = TrainedModelCache.GetOrTrain(recipe);
        model.Dispose();
        var last = run.Checkpoints.Last(c => c.CheckpointFile is not null);
        if (last.Step != Points[^1].Step)
            throw new ArgumentException($"The recipe's last checkpoint is step {last.Step}, the trajectory's step {Points[^1].Step}: not the same run.", nameof(recipe));
        var (weights, _) = TransformerCheckpoint.Load(last.CheckpointFile!);
        using (weights)
        {
            weights.eval();
            var sample = new CorpusGenerator(new TrueDistribution(recipe.Corpus)).Sample(Settings.Windows, Settings.DataSeed);
            using var target = NextTokenTarget.Create(weights, sample);
            var s = Settings.Sampler;
            var result = LocalLearningCoefficient.Estimate(target, s with { NBeta = sample.Count / Math.Log(sample.Count) }, progress: progress);
            return (Points[^1].Whole, LlcSummary.From("whole", sample.Count, result));
        }
    }

    /// <summary>λ̂ of the whole at each checkpoint (NaN where divergent).</summary>
    public double[] Llc() => Points.Select(p => p.Whole.Mean ?? double.NaN).ToArray();

    /// <summary>The stage boundaries: significant critical points (z combined standard errors, <see cref="TrainingStages"/>)
    /// of λ̂(t), of each family's λ̂_f(t), of the loss L(t) and of its rate of decrease per log step, −dL/d log t
    /// (whose peak is the step of fastest learning). Step 0 is left out of the λ̂ curves (at the initialization λ̂ measures
    /// a random point, not a stage).</summary>
    /// <param name="z">Significance in combined standard errors (default 3).</param>
    public IReadOnlyList<StageBoundary> Stages(double z = TrainingStages.DefaultZ)
    {
        var boundaries = new List<StageBoundary>();
        var trained = Points.Where(p => p.Step > 0).ToArray();
        int[] steps = trained.Select(p => p.Step).ToArray();
        boundaries.AddRange(TrainingStages.CriticalPoints("llc", steps, trained.Select(p => p.Whole.Mean ?? double.NaN).ToArray(),
            trained.Select(p => p.Whole.StandardError ?? double.NaN).ToArray(), z));
        for (int f = 0; f < FamilyNames.Count; f++)
        {
            if (trained.Any(p => p.Families.Count <= f)) break;
            boundaries.AddRange(TrainingStages.CriticalPoints($"{FamilyNames[f]} llc", steps, trained.Select(p => p.Families[f].Mean ?? double.NaN).ToArray(),
                trained.Select(p => p.Families[f].StandardError ?? double.NaN).ToArray(), z));
        }
        // The loss (its evaluation noise: the standard error of K per window, spread over C − 1 predictions).
        int predictions = Points[0].KlByLength.Length;
        double[] lossSe = trained.Select(p => p.KlStandardError / predictions).ToArray();
        double[] loss = trained.Select(p => p.LossPerToken).ToArray();
        boundaries.AddRange(TrainingStages.CriticalPoints("loss", steps, loss, lossSe, z));
        if (trained.Length >= 4)
        {
            // −dL/d log t between consecutive checkpoints, placed at the geometric midpoint's nearest checkpoint (the later one).
            var rate = new List<double>(); var rateSe = new List<double>(); var rateSteps = new List<int>();
            for (int i = 1; i < trained.Length; i++)
            {
                double dlog = Math.Log(steps[i]) - Math.Log(steps[i - 1]);
                rate.Add(-(loss[i] - loss[i - 1]) / dlog);
                rateSe.Add(Math.Sqrt(lossSe[i] * lossSe[i] + lossSe[i - 1] * lossSe[i - 1]) / dlog);
                rateSteps.Add(steps[i]);
            }
            boundaries.AddRange(TrainingStages.CriticalPoints("loss decrease per log step", rateSteps, rate, rateSe, z));
        }
        return boundaries.OrderBy(b => b.Step).ThenBy(b => b.Curve).ToArray();
    }

    /// <summary>One row per checkpoint: step, loss, K ± se, captured gain, λ̂ ± se, R̂, ESS, MALA, verdict, and each family's λ̂_f ± se and verdict.</summary>
    public DataFrame ToDataFrame()
    {
        var columns = new List<DataFrameColumn>
        {
            new PrimitiveDataFrameColumn<int>("step", Points.Select(p => p.Step)),
            new DoubleDataFrameColumn("L_per_token", Points.Select(p => p.LossPerToken)),
            new DoubleDataFrameColumn("K", Points.Select(p => p.Kl)),
            new DoubleDataFrameColumn("K_se", Points.Select(p => p.KlStandardError)),
            new DoubleDataFrameColumn("captured_gain", Points.Select(p => p.CapturedGain)),
            new DoubleDataFrameColumn("llc", Points.Select(p => p.Whole.Mean)),
            new DoubleDataFrameColumn("llc_se", Points.Select(p => p.Whole.StandardError)),
            new DoubleDataFrameColumn("rhat", Points.Select(p => p.Whole.RHat)),
            new DoubleDataFrameColumn("ess", Points.Select(p => p.Whole.Ess)),
            new DoubleDataFrameColumn("mala", Points.Select(p => p.Whole.MalaAcceptance)),
            new StringDataFrameColumn("verdict", Points.Select(p => TrustWords(p.Whole.Trust))),
        };
        for (int f = 0; f < FamilyNames.Count; f++)
        {
            if (Points.Any(p => p.Families.Count <= f)) break;
            string n = FamilyNames[f];
            columns.Add(new DoubleDataFrameColumn($"llc_{n}", Points.Select(p => p.Families[f].Mean)));
            columns.Add(new DoubleDataFrameColumn($"llc_{n}_se", Points.Select(p => p.Families[f].StandardError)));
            columns.Add(new StringDataFrameColumn($"verdict_{n}", Points.Select(p => TrustWords(p.Families[f].Trust))));
        }
        return new DataFrame(columns);
    }

    /// <summary>The verdict in the words the diagnostics use.</summary>
    public static string TrustWords(Trust trust) => trust switch
    {
        Trust.Trustworthy => "trustworthy",
        Trust.Caution => "use with care",
        Trust.Untrustworthy => "do not trust",
        _ => "divergent",
    };

    /// <summary>λ̂(t) of the whole and of each family (± se, log step axis, step 0 left out) with the stage boundaries of
    /// the whole's λ̂ as vertical lines; beside it the loss per token and the captured gain.</summary>
    public FigureGrid ToFigure(double z = TrainingStages.DefaultZ)
    {
        var trained = Points.Where(p => p.Step > 0).ToArray();
        double[] x = trained.Select(p => (double)p.Step).ToArray();
        var llcTraces = new List<Trace>
        {
            new LineTrace("λ̂ (all windows)", x, trained.Select(p => p.Whole.Mean ?? double.NaN).ToArray(),
                trained.Select(p => p.Whole.StandardError ?? double.NaN).ToArray(), Markers: true),
        };
        for (int f = 0; f < FamilyNames.Count; f++)
        {
            if (trained.Any(p => p.Families.Count <= f)) break;
            llcTraces.Add(new LineTrace($"λ̂ ({FamilyNames[f]} windows)", x, trained.Select(p => p.Families[f].Mean ?? double.NaN).ToArray(),
                trained.Select(p => p.Families[f].StandardError ?? double.NaN).ToArray(), Markers: true, Dashed: true));
        }
        var marks = Stages(z).Where(b => b.Curve == "llc").Select(b => (Mark)new VerticalLine($"λ̂ {b.Kind.ToString().ToLowerInvariant()}", b.Step)).ToArray();
        var llc = new Figure("LLC over training", llcTraces, new Axis("training step", Log: true), new Axis("λ̂")) { Marks = marks };
        var loss = new Figure("Loss and captured in-context gain over training",
            [
                new LineTrace("loss per token (nats)", x, trained.Select(p => p.LossPerToken).ToArray(), Markers: true),
                new LineTrace("captured gain (share)", x, trained.Select(p => p.CapturedGain).ToArray(), Markers: true, Dashed: true),
            ],
            new Axis("training step", Log: true), new Axis("nats per token / share"));
        return Figure.Grid(2, llc, loss);
    }

    /// <summary>The trajectory as JSON: settings, points (with each estimate's numbers) and stage boundaries.</summary>
    public JsonObject ToJson(double z = TrainingStages.DefaultZ)
    {
        JsonObject One(LlcSummary s) => new()
        {
            ["name"] = s.Name, ["windows"] = s.Windows, ["nbeta"] = s.NBeta, ["llc"] = s.Mean, ["se"] = s.StandardError,
            ["rhat"] = Finite(s.RHat), ["ess"] = Finite(s.Ess), ["mala"] = Finite(s.MalaAcceptance), ["trust"] = s.Trust.ToString(),
            ["verdict"] = s.Verdict, ["seconds"] = s.Seconds,
        };
        return new JsonObject
        {
            ["source"] = Source,
            ["settings"] = JsonNode.Parse(JsonSerializer.Serialize(Settings with { Sampler = null! })),
            ["sampler"] = FamilyInterference.SettingsKey(Settings.Sampler),
            ["seconds"] = Seconds,
            ["from_cache"] = FromCache,
            ["points"] = new JsonArray(Points.Select(p => (JsonNode?)new JsonObject
            {
                ["step"] = p.Step, ["loss_per_token"] = p.LossPerToken, ["K"] = p.Kl, ["K_se"] = p.KlStandardError,
                ["captured_gain"] = Finite(p.CapturedGain), ["whole"] = One(p.Whole),
                ["families"] = new JsonArray(p.Families.Select(f => (JsonNode?)One(f)).ToArray()),
            }).ToArray()),
            ["stages"] = new JsonArray(Stages(z).Select(b => (JsonNode?)new JsonObject
            {
                ["curve"] = b.Curve, ["step"] = b.Step, ["kind"] = b.Kind.ToString().ToLowerInvariant(), ["value"] = b.Value,
                ["rise"] = b.Rise, ["fall"] = b.Fall, ["threshold"] = b.Threshold,
            }).ToArray()),
        };
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}
