using Stopwatch = System.Diagnostics.Stopwatch;
using Microsoft.Data.Analysis;
using Slt.Contexts;
using Slt.Losses;
using Slt.Model;
using Slt.Presentation;
using Slt.Training;
using Slt.Truth;

namespace Slt.Transitions;

/// <summary>The captured in-context gain of one class of windows at one checkpoint.</summary>
/// <param name="Step">The training step.</param>
/// <param name="Family">The family index.</param>
/// <param name="FamilyName">The family's name.</param>
/// <param name="Class">"all" (every window of the family), "head" or "tail" (<see cref="TaskFrequencyClass"/>).</param>
/// <param name="Gain">G ± se on the class's windows.</param>
public sealed record RecognitionRow(int Step, int Family, string FamilyName, string Class, CapturedGain Gain);

/// <summary>The fitted context map at one checkpoint for one family's context of length m (<see cref="ContextFitRow"/>).</summary>
/// <param name="Step">The training step.</param>
/// <param name="FamilyName">The family's name.</param>
/// <param name="Task">The context's task (the family's most frequent, a head task).</param>
/// <param name="ContextLength">m.</param>
/// <param name="R">R = KL(mother ‖ fitted daughter) / KL(mother ‖ no change).</param>
/// <param name="RSe">Its standard error.</param>
/// <param name="Effect">KL(mother ‖ no change): how much the context changes the model's predictions (nats).</param>
/// <param name="EffectSe">Its standard error.</param>
public sealed record ResidualRow(int Step, string FamilyName, int Task, int ContextLength, double R, double RSe, double Effect, double EffectSe);

/// <summary>One onset: where a measure of one family and class first crosses its criterion.</summary>
/// <param name="FamilyName">The family.</param>
/// <param name="Class">"all", "head", "tail", or "task k" for the fitted map's context.</param>
/// <param name="Measure">"gain" or "R, m = …" / "effect, m = …".</param>
/// <param name="Criterion">The criterion in words, e.g. "G − 3 se > 0.1".</param>
/// <param name="Onset">The interval (previous checkpoint, first crossing].</param>
public sealed record OnsetRow(string FamilyName, string Class, string Measure, string Criterion, Onset Onset);

/// <summary>
/// Type A transitions, a context recognized: per family and per frequency class of its tasks (head and tail of the
/// Zipf prior), the captured in-context gain G over training (<see cref="CapturedGain"/>), the fitted context map's
/// residual R and the context's effect on the model (<see cref="ContextFitSweep"/>), and the onsets where they cross
/// their criteria (docs/recognition.md).
/// </summary>
/// <remarks>
/// Windows are classified by the task of their first token (its family and its class); at burstiness 1 (the default
/// corpus) the task never changes inside a window, and <see cref="TaskSwitchShare"/> reports how many windows change task
/// otherwise. The gains are cached (keyed by recipe, <see cref="ContextRecognitionSettings.GainKey"/> and this library's
/// build); onsets are recomputed from the settings' criteria on every call.
/// </remarks>
/// <param name="Settings">The settings.</param>
/// <param name="Classes">The head and tail of each family.</param>
/// <param name="Rows">Per checkpoint, family and class (all, head, tail): G ± se.</param>
/// <param name="Residuals">Per checkpoint, family and context length: R and the context's effect (empty without the sweep).</param>
/// <param name="TaskSwitchShare">Share of the evaluation windows whose task changes inside the window.</param>
/// <param name="Seconds">Wall-clock seconds of the gain evaluation when it was computed.</param>
/// <param name="FromCache">Whether the gains were read from the cache.</param>
public sealed record ContextRecognition(
    ContextRecognitionSettings Settings,
    IReadOnlyList<TaskFrequencyClass> Classes,
    IReadOnlyList<RecognitionRow> Rows,
    IReadOnlyList<ResidualRow> Residuals,
    double TaskSwitchShare,
    double Seconds,
    bool FromCache)
{
    /// <summary><c>SLT_CACHE</c>/transitions if set, else <c>{temp}/slt-cache/transitions</c>.</summary>
    public static string DefaultDirectory =>
        Environment.GetEnvironmentVariable("SLT_CACHE") is { Length: > 0 } dir
            ? Path.Combine(dir, "transitions")
            : Path.Combine(Path.GetTempPath(), "slt-cache", "transitions");

    /// <summary>The checkpoints' steps, in order.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int[] Steps => Rows.Select(r => r.Step).Distinct().Order().ToArray();

    /// <summary>
    /// Over the checkpoints of <paramref name="recipe"/>'s training run (trained once and cached): the gains (cached
    /// under <see cref="DefaultDirectory"/>) and, with <see cref="ContextRecognitionSettings.IncludeResidual"/>, the
    /// full-model fitted context map's sweep (cached by <see cref="ContextFitSweep.ForTrainingRun"/>).
    /// </summary>
    public static ContextRecognition ForTrainingRun(TrainingRunConfig recipe, ContextRecognitionSettings? settings = null,
        bool useCache = true, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        recipe.Validate();
        settings = (settings ?? ContextRecognitionSettings.Default).Validate();
        var truth = new TrueDistribution(recipe.Corpus, recipe.FamilyIndex);
        var (gains, fromCache) = ContextResultCache.GetOrCompute("recognition", $"recognition|{recipe.ContentHash()}|{settings.GainKey()}", () =>
        {
            progress?.Report("training (or loading from the training cache) …");
            var (final, run) = TrainedModelCache.GetOrTrain(recipe);
            final.Dispose();
            var files = run.Checkpoints.Where(c => c.CheckpointFile is not null).ToArray();
            if (files.Length < 2) throw new InvalidOperationException("The training run saved fewer than two checkpoints; onsets need a trajectory.");
            var steps = files.Select(c => c.Step).ToArray();
            return Measure(truth, steps, i =>
            {
                progress?.Report($"captured gain at step {steps[i]} ({i + 1}/{steps.Length}) …");
                return TransformerCheckpoint.Load(files[i].CheckpointFile!).Model;
            }, settings);
        }, DefaultDirectory, useCache);
        var residuals = Array.Empty<ResidualRow>();
        if (settings.IncludeResidual)
        {
            progress?.Report("fitted context map over training (or from its cache) …");
            // The same cached sweep as notebook 03's (its results do not depend on the worker count).
            var sweep = ContextFitSweep.ForTrainingRun(recipe, ContextFitSweepSettings.ForSubset("full"), useCache: useCache, progress: progress);
            residuals = sweep.Rows.Select(r => new ResidualRow(r.Step, r.FamilyName, r.Task, r.ContextLength,
                r.Evaluation.R, r.Evaluation.RSe, r.Evaluation.KlNoChange, r.Evaluation.KlNoChangeSe)).ToArray();
        }
        return gains with { Settings = settings, Residuals = residuals, FromCache = fromCache };
    }

    /// <summary>
    /// The gains of the models at <paramref name="steps"/> on one evaluation sample of <paramref name="truth"/>, per family
    /// and class. <paramref name="model"/>(i) gives checkpoint i's predictor; one that is <see cref="IDisposable"/> is
    /// disposed after use. No residuals (<see cref="Residuals"/> empty).
    /// </summary>
    /// <exception cref="ArgumentException">No steps, steps not increasing, or a class with fewer than two windows in the sample.</exception>
    public static ContextRecognition Measure(TrueDistribution truth, IReadOnlyList<int> steps, Func<int, INextTokenPredictor> model,
        ContextRecognitionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(model);
        settings = (settings ?? ContextRecognitionSettings.Default).Validate();
        if (steps.Count == 0) throw new ArgumentException("Give at least one checkpoint.", nameof(steps));
        for (int i = 1; i < steps.Count; i++)
            if (steps[i] <= steps[i - 1]) throw new ArgumentException($"steps must increase: {steps[i - 1]} then {steps[i]}.", nameof(steps));
        var clock = Stopwatch.StartNew();
        var classes = TaskFrequencyClass.HeadAndTail(truth, settings.HeadShare);
        var sample = new CorpusGenerator(truth).Sample(settings.Windows, settings.Seed);
        var kl = new LengthDecomposedKl(truth, sample);
        var (groups, switches) = Classify(truth, sample, classes);
        var rows = new List<RecognitionRow>();
        int lengths = sample.ContextLength - 1;
        for (int i = 0; i < steps.Count; i++)
        {
            var predictor = model(i);
            double[] cross;
            try { cross = kl.CrossEntropyPerWindow(predictor); }
            finally { (predictor as IDisposable)?.Dispose(); }
            foreach (var (family, name, cls, windows) in groups)
                rows.Add(new RecognitionRow(steps[i], family, name, cls, CapturedGain.Of(cross, kl.EntropyPerWindow, lengths, windows)));
        }
        return new ContextRecognition(settings, classes, rows, [], switches, clock.Elapsed.TotalSeconds, false);
    }

    /// <summary>The windows of each family (class "all") and of each of its classes, by the task of the first token.</summary>
    private static (List<(int Family, string Name, string Class, int[] Windows)> Groups, double SwitchShare) Classify(
        TrueDistribution truth, WindowSample sample, IReadOnlyList<TaskFrequencyClass> classes)
    {
        if (!sample.HasTasks) throw new ArgumentException("The evaluation sample carries no task labels.", nameof(sample));
        var classOfTask = new Dictionary<int, TaskFrequencyClass>();
        foreach (var c in classes) foreach (int k in c.Tasks) classOfTask[k] = c;
        var members = new Dictionary<(int, string), List<int>>();
        int switching = 0;
        for (int w = 0; w < sample.Count; w++)
        {
            var tasks = sample.TasksOf(w);
            foreach (int k in tasks) if (k != tasks[0]) { switching++; break; }
            var c = classOfTask[tasks[0]];
            foreach (var key in new[] { (c.Family, "all"), (c.Family, c.Name) })
            {
                if (!members.TryGetValue(key, out var list)) members[key] = list = [];
                list.Add(w);
            }
        }
        var groups = new List<(int, string, string, int[])>();
        foreach (var family in classes.Select(c => (c.Family, c.FamilyName)).Distinct())
            foreach (var cls in new[] { "all", "head", "tail" })
            {
                var windows = members.GetValueOrDefault((family.Family, cls))?.ToArray() ?? [];
                if (windows.Length < 2)
                    throw new ArgumentException($"The evaluation sample holds {windows.Length} window(s) of {family.FamilyName}'s {cls} class; draw more windows.", nameof(sample));
                groups.Add((family.Family, family.FamilyName, cls, windows));
            }
        return (groups, (double)switching / sample.Count);
    }

    /// <summary>
    /// The onsets: for each family and class and each gain level g*, the first checkpoint with G − z se &gt; g*; for each
    /// family and context length of the fitted map, the first with R + z se &lt; the residual level ("R"), and the first
    /// where the context's effect exceeds <see cref="ContextRecognitionSettings.EffectFactor"/> times its first value by z se
    /// while R is below its level ("effect").
    /// </summary>
    public IReadOnlyList<OnsetRow> Onsets()
    {
        var s = Settings;
        var onsets = new List<OnsetRow>();
        foreach (var g in Rows.GroupBy(r => (r.FamilyName, r.Class)))
        {
            var rows = g.OrderBy(r => r.Step).ToArray();
            foreach (double level in s.Levels)
                onsets.Add(new OnsetRow(g.Key.FamilyName, g.Key.Class, "gain", $"G − {s.GainZ:G3} se > {level:G3}",
                    Onset.FirstCrossing(rows.Select(r => r.Step).ToArray(), rows.Select(r => r.Gain.Gain).ToArray(),
                        rows.Select(r => r.Gain.StandardError).ToArray(), level, s.GainZ)));
        }
        foreach (var g in Residuals.GroupBy(r => (r.FamilyName, r.Task, r.ContextLength)).OrderBy(g => g.Key.FamilyName).ThenBy(g => g.Key.ContextLength))
        {
            var rows = g.OrderBy(r => r.Step).ToArray();
            var steps = rows.Select(r => r.Step).ToArray();
            var residual = Onset.FirstCrossing(steps, rows.Select(r => r.R).ToArray(), rows.Select(r => r.RSe).ToArray(), s.ResidualLevel, s.ResidualZ, above: false);
            string cls = $"task {g.Key.Task}";
            onsets.Add(new OnsetRow(g.Key.FamilyName, cls, $"R, m = {g.Key.ContextLength}", $"R + {s.ResidualZ:G3} se < {s.ResidualLevel:G3}", residual));
            var below = rows.Select(r => r.R + s.ResidualZ * r.RSe < s.ResidualLevel).ToArray();
            double baseline = s.EffectFactor * rows[0].Effect;
            onsets.Add(new OnsetRow(g.Key.FamilyName, cls, $"effect, m = {g.Key.ContextLength}",
                $"E − {s.EffectZ:G3} se > {s.EffectFactor:G3} E(step {steps[0]}) = {baseline:F4}, and R + {s.ResidualZ:G3} se < {s.ResidualLevel:G3}",
                Onset.FirstCrossing(steps, rows.Select(r => r.Effect).ToArray(), rows.Select(r => r.EffectSe).ToArray(), baseline, s.EffectZ, gate: below)));
        }
        return onsets;
    }

    /// <summary>The onsets as a table: family, class, measure, criterion, onset interval, after, at, sustained.</summary>
    public DataFrame OnsetTable()
    {
        var onsets = Onsets();
        return new DataFrame(
            new StringDataFrameColumn("family", onsets.Select(o => o.FamilyName)),
            new StringDataFrameColumn("class", onsets.Select(o => o.Class)),
            new StringDataFrameColumn("measure", onsets.Select(o => o.Measure)),
            new StringDataFrameColumn("criterion", onsets.Select(o => o.Criterion)),
            new StringDataFrameColumn("onset", onsets.Select(o => o.Onset.ToString())),
            new PrimitiveDataFrameColumn<int>("after", onsets.Select(o => o.Onset.After)),
            new PrimitiveDataFrameColumn<int>("at", onsets.Select(o => o.Onset.At)),
            new PrimitiveDataFrameColumn<bool>("sustained", onsets.Select(o => o.Onset.Sustained)));
    }

    /// <summary>
    /// One row per checkpoint, family and class: windows, G ± se, the available and realized gains; and, on the head rows
    /// (the fitted map's context is the family's most frequent task), R ± se and the context's effect E ± se for each
    /// context length m (columns R_m, R_m_se, E_m, E_m_se; empty elsewhere or without the sweep).
    /// </summary>
    public DataFrame ToDataFrame()
    {
        var columns = new List<DataFrameColumn>
        {
            new PrimitiveDataFrameColumn<int>("step", Rows.Select(r => r.Step)),
            new StringDataFrameColumn("family", Rows.Select(r => r.FamilyName)),
            new StringDataFrameColumn("class", Rows.Select(r => r.Class)),
            new PrimitiveDataFrameColumn<int>("windows", Rows.Select(r => r.Gain.Windows)),
            new DoubleDataFrameColumn("gain", Rows.Select(r => r.Gain.Gain)),
            new DoubleDataFrameColumn("gain_se", Rows.Select(r => r.Gain.StandardError)),
            new DoubleDataFrameColumn("available", Rows.Select(r => r.Gain.AvailableGain)),
            new DoubleDataFrameColumn("realized", Rows.Select(r => r.Gain.RealizedGain)),
        };
        foreach (int m in Residuals.Select(r => r.ContextLength).Distinct().Order())
        {
            ResidualRow? Of(RecognitionRow r) => r.Class == "head"
                ? Residuals.FirstOrDefault(x => x.Step == r.Step && x.FamilyName == r.FamilyName && x.ContextLength == m) : null;
            columns.Add(new DoubleDataFrameColumn($"R_{m}", Rows.Select(r => Of(r)?.R)));
            columns.Add(new DoubleDataFrameColumn($"R_{m}_se", Rows.Select(r => Of(r)?.RSe)));
            columns.Add(new DoubleDataFrameColumn($"E_{m}", Rows.Select(r => Of(r)?.Effect)));
            columns.Add(new DoubleDataFrameColumn($"E_{m}_se", Rows.Select(r => Of(r)?.EffectSe)));
        }
        return new DataFrame(columns);
    }

    /// <summary>G ± se against the training step (log axis, the first checkpoint left out when it is step 0), one line per
    /// family and class, the onset at the first gain level in each legend entry; the gain levels drawn as horizontal lines.</summary>
    public Figure ToFigure()
    {
        var onsets = Onsets().Where(o => o.Measure == "gain" && o.Criterion.EndsWith($"> {Settings.Levels[0]:G3}", StringComparison.Ordinal)).ToArray();
        var traces = new List<Trace>();
        foreach (var g in Rows.Where(r => r.Step > 0).GroupBy(r => (r.FamilyName, r.Class)))
        {
            var rows = g.OrderBy(r => r.Step).ToArray();
            var onset = onsets.First(o => o.FamilyName == g.Key.FamilyName && o.Class == g.Key.Class).Onset;
            traces.Add(new LineTrace($"{g.Key.FamilyName}, {g.Key.Class} (onset {onset})", rows.Select(r => (double)r.Step).ToArray(),
                rows.Select(r => r.Gain.Gain).ToArray(), rows.Select(r => r.Gain.StandardError).ToArray(), Markers: true,
                Dashed: g.Key.Class == "tail", Emphasis: g.Key.Class == "all" ? Emphasis.Strong : Emphasis.Normal));
        }
        return new Figure("Captured in-context gain G over training, per family and frequency class", traces,
            new Axis("training step", Log: true), new Axis("G = (S1 − L last)/(S1 − S last)"))
        {
            Marks = Settings.Levels.Select(l => (Mark)new HorizontalLine($"onset level {l:G3}", l))
                .Append(new HorizontalLine("last-token predictor (G = 0)", 0)).ToArray(),
        };
    }
}
