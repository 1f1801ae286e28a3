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

/// <summary>The options of <c>slt llc transformer</c>: the model, its data sample, the sampler's transformer settings.</summary>
internal sealed class LlcTransformerSettings : LlcSettings
{
    [CommandOption("--checkpoint <FILE>")]
    [Description("a checkpoint (final.ckpt or checkpoints/step-*.ckpt of slt train) holding its corpus spec.")]
    public string? Checkpoint { get; init; }

    [CommandOption("--config <FILE>")]
    [Description("a training recipe (e.g. data/default.train.json), trained once through the training cache. Default: the default recipe.")]
    public string? Config { get; init; }

    [CommandOption("--windows <N>")]
    [Description("windows of the sample L_n averages over; a window is the i.i.d. unit, so n = windows (docs/transformer-llc.md §1). Default 256.")]
    public int Windows { get; init; } = NextTokenTarget.DefaultWindows;

    [CommandOption("--data-seed <SEED>")]
    [Description("seed of that sample, drawn from the corpus's true distribution. Default 11.")]
    public long DataSeed { get; init; } = 11;

    [CommandOption("--evaluation-windows <N>")]
    [Description("windows of the fixed evaluation set for L_n(w) and L_n(w*) (the first ones of the sample). Default: all.")]
    public int? EvaluationWindows { get; init; }

    [CommandOption("--batch-size <B>")]
    [Description("Windows per SGLD mini-batch (default: the validated setting).")]
    public int? BatchSize { get; init; }

    [CommandOption("--lengths <LIST>")]
    [Description("input lengths to keep (data-restricted LLC), e.g. 1-8 or 1,2,9-31. Default all.")]
    public string? Lengths { get; init; }

    [CommandOption("--draw-loss <KIND>")]
    [Description("What a draw records: 'excess' (L_n(w*) + the mini-batch excess over w*, every step; transformer default) or 'evaluation' (L_n on the evaluation set at each draw).")]
    public string? DrawLoss { get; init; }

    [CommandOption("--parallel <N>")]
    [Description("chain groups run at the same time, on copies of the model (default: cores / libtorch threads).")]
    public int? Parallel { get; init; }

    [CommandOption("--mala-every <K>")]
    [Description("MALA acceptance on every K-th proposal.")]
    public int? MalaEvery { get; init; }

    [CommandOption("--refine <STEPS>")]
    [Description("before sampling, move w* by this many full-batch Adam steps on the sample's loss towards a local minimum (removes the linear term of L_n at the trained point).")]
    public int? Refine { get; init; }

    [CommandOption("--refine-lr <LR>")]
    [Description("Adam learning rate of --refine or --refine-population (the latter's falls linearly to 0). Default 1e-4.")]
    public double RefineLearningRate { get; init; } = 1e-4;

    [CommandOption("--refine-population <STEPS>")]
    [Description("before sampling, move w* towards a critical point of the population loss: this many Adam steps on fresh windows from the truth (nothing memorised); reports the population gradient before and after.")]
    public int? RefinePopulation { get; init; }

    [CommandOption("--refine-batch <WINDOWS>")]
    [Description("fresh windows per step of --refine-population. Default 512.")]
    public int RefineBatch { get; init; } = 512;

    [CommandOption("--spectrum")]
    [Description("also estimate the Hessian spectrum of L_n at w* (stochastic Lanczos quadrature, 4 probes × 80 steps) and print the quadratic prediction ½ Σ nβh/(nβh + γ) beside each λ̂; with --ship (default recipe and sample), write it to data/results for notebook 02 and stop.")]
    public bool Spectrum { get; init; }

    [CommandOption("--gammas <LIST>")]
    [Description("a localization sweep instead of one estimate: λ̂ at each γ (comma-separated), e.g. 4000,2000,1000,500.")]
    public string? Gammas { get; init; }

    [CommandOption("--nbetas <LIST>")]
    [Description("With --gammas: also sweep nβ (comma-separated); ε is scaled so that ε·nβ stays as given.")]
    public string? NBetas { get; init; }

    [CommandOption("--checkpoints <DIR>")]
    [Description("the LLC trajectory: λ̂ ± se and verdict at every checkpoint of a folder written by slt train (step-*.ckpt), or 'run' for the --config (default) recipe's cached training run, beside loss, K and captured gain, with each family's data-restricted λ̂ and the stage boundaries. Sampler: the trajectory defaults unless --epsilon/--gamma/… are given.")]
    public string? Checkpoints { get; init; }

    [CommandOption("--no-families")]
    [Description("with --checkpoints: skip the per-family data-restricted λ̂ (a third of the time).")]
    public bool NoFamilies { get; init; }

    [CommandOption("--csv <FILE>")]
    [Description("with --checkpoints: also write the trajectory table as CSV.")]
    public string? Csv { get; init; }

    [CommandOption("--ship")]
    [Description("with --checkpoints run: write the trajectory to data/results, where notebook 05 reads it (after checking that it measured the model this code trains).")]
    public bool Ship { get; init; }

    [CommandOption("--threads <N>")]
    [Description("libtorch threads (default: SLT_THREADS, else 1).")]
    public int? Threads { get; init; }

    protected override ValidationResult ValidateModel()
    {
        if (BatchSize is < 1) return ValidationResult.Error($"--batch-size must be a positive integer, got {BatchSize}.");
        if (Checkpoint is not null && Config is not null) return ValidationResult.Error("Give --checkpoint or --config, not both.");
        if (Windows < 1) return ValidationResult.Error($"--windows must be a positive integer, got {Windows}.");
        if (EvaluationWindows is < 1) return ValidationResult.Error($"--evaluation-windows must be a positive integer, got {EvaluationWindows}.");
        if (Threads is <= 0) return ValidationResult.Error($"--threads must be a positive integer, got {Threads}.");
        if (Refine is < 0) return ValidationResult.Error($"--refine must be ≥ 0 steps, got {Refine}.");
        if (!(RefineLearningRate > 0) || !double.IsFinite(RefineLearningRate)) return ValidationResult.Error($"--refine-lr must be positive, got {RefineLearningRate}.");
        if (Checkpoints is not null && (Gammas is not null || StepBias || Refine is not null || Lengths is not null || Checkpoint is not null))
            return ValidationResult.Error("--checkpoints measures a trajectory at fixed settings; it does not combine with --gammas, --step-bias, --refine, --lengths or --checkpoint.");
        if (RefinePopulation is < 1) return ValidationResult.Error($"--refine-population must be ≥ 1 step, got {RefinePopulation}.");
        if (RefineBatch < 1) return ValidationResult.Error($"--refine-batch must be a positive integer, got {RefineBatch}.");
        if (Refine is not null && RefinePopulation is not null) return ValidationResult.Error("Give --refine (the sample's loss) or --refine-population, not both.");
        if (Spectrum && (Lengths is not null || Checkpoints is not null)) return ValidationResult.Error("--spectrum is the spectrum of the whole windows' loss; it does not combine with --lengths or --checkpoints.");
        if (Ship && Spectrum && (Checkpoint is not null || Config is not null || Refine is not null || RefinePopulation is not null || Windows != 256 || DataSeed != 11))
            return ValidationResult.Error("--spectrum --ship writes the default recipe's spectrum on the default sample; drop --checkpoint, --config, --refine*, --windows and --data-seed.");
        if (Ship && !Spectrum && Checkpoints != "run") return ValidationResult.Error("--ship goes with --checkpoints run (a recipe's trajectory) or --spectrum.");
        if ((NoFamilies || Csv is not null) && Checkpoints is null) return ValidationResult.Error("--no-families and --csv go with --checkpoints.");
        if (NBetas is not null && Gammas is null) return ValidationResult.Error("--nbetas needs --gammas.");
        if (Parallel is <= 0) return ValidationResult.Error($"--parallel must be a positive integer, got {Parallel}.");
        if (MalaEvery is <= 0) return ValidationResult.Error($"--mala-every must be a positive integer, got {MalaEvery}.");
        if (DrawLoss is not (null or "excess" or "evaluation")) return ValidationResult.Error($"--draw-loss must be 'excess' or 'evaluation', got '{DrawLoss}'.");
        return ValidationResult.Success();
    }
}

/// <summary><c>slt llc transformer</c>: the LLC of a trained transformer (no truth), optionally restricted to some input
/// lengths (the data-restricted LLC), or a localization sweep over γ (and nβ).</summary>
internal sealed class LlcTransformerCommand : LlcCommand<LlcTransformerSettings>
{
    protected override int? Threads(LlcTransformerSettings o) =>
        o.Threads ?? (Environment.GetEnvironmentVariable("SLT_THREADS") is { Length: > 0 } ? null : 1);

    public override int Execute(CommandContext context, LlcTransformerSettings o, CancellationToken cancellationToken)
    {
        TorchRuntime.Initialize(Threads(o));
        if (o.Checkpoints is not null) return Trajectory(o, cancellationToken);
        if (o.Spectrum && o.Ship)
        {
            var (spectrum, _) = TrainedSpectrum.ForRecipe(TrainingRunConfig.Default, ship: true);
            Console.Error.WriteLine($"shipped: the default model's Hessian spectrum ({spectrum.Seconds:F0} s) to data/results.");
            var defaults = NextTokenTarget.DefaultSettings;
            Console.WriteLine(SpectrumLine(spectrum, spectrum.QuadraticLlc(defaults.ResolveNBeta(NextTokenTarget.DefaultWindows), defaults.Localization)));
            return 0;
        }
        return o.Gammas is null ? Estimate(o, cancellationToken) : Sweep(o, cancellationToken);
    }

    internal override LlcCase CreateCase(LlcTransformerSettings o)
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
        var generator = new CorpusGenerator(new TrueDistribution(corpus));
        var sample = generator.Sample(o.Windows, o.DataSeed);
        int[]? lengths = o.Lengths is null ? null : ParseLengths(o.Lengths);
        var refinement = o.Refine is int steps && steps > 0 ? OptimumRefinement.Refine(model, sample, steps, o.RefineLearningRate)
            : o.RefinePopulation is int population ? PopulationRefinement.Refine(model, generator, population, o.RefineBatch, o.RefineLearningRate)
            : null;
        model.eval();
        if (o.Spectrum && !o.Json) AnsiConsole.MarkupLine("[grey]estimating the Hessian spectrum at w* (4 probes × 80 Lanczos steps, 2–6 minutes) …[/]");
        var spectrum = o.Spectrum ? LossHessian.Spectrum(model, sample) : null;
        var defaults = NextTokenTarget.DefaultSettings;
        var target = new OwningTarget(NextTokenTarget.Create(model, sample, o.EvaluationWindows, lengths), model);
        var settings = Override(defaults, o) with
        {
            BatchSize = o.BatchSize ?? defaults.BatchSize,
            DrawLoss = o.DrawLoss switch { "excess" => Sampling.DrawLoss.MiniBatchExcess, "evaluation" => Sampling.DrawLoss.EvaluationSet, _ => defaults.DrawLoss },
            ParallelGroups = o.Parallel ?? defaults.ParallelGroups,
            MalaEvery = o.MalaEvery ?? defaults.MalaEvery,
        };
        // The defaults were validated on the default recipe's model; any other model gets its step searched unless one is given.
        bool auto = o.Epsilon is { } e ? LlcSettings.IsAuto(e) : o.Checkpoint is not null || o.Config is not null;
        return new LlcCase(target, settings, null, auto) { Refinement = refinement, Spectrum = spectrum };
    }

    /// <summary>A target that also disposes the model it samples.</summary>
    private sealed class OwningTarget(ModuleTarget inner, IDisposable model) : ITemperedTarget, IDisposable
    {
        public long SampleSize => inner.SampleSize;
        public IReadOnlyList<string> ParameterNames => inner.ParameterNames;
        public int MaxChainsPerGroup => inner.MaxChainsPerGroup;
        public long DataSize => inner.DataSize;
        public OptimumKind OptimumKind => ((ITemperedTarget)inner).OptimumKind;
        public int ConcurrentGroups => inner.ConcurrentGroups;
        public ChainGroup CreateGroup(int chains) => inner.CreateGroup(chains);
        public ChainGroup CreateGroup(int chains, int slot) => inner.CreateGroup(chains, slot);

        public void Dispose()
        {
            inner.Dispose();
            model.Dispose();
        }
    }

    /// <summary>"4000,2000,1000": positive numbers.</summary>
    internal static double[] ParseNumbers(string text, string option) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(part =>
            double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v)
                ? v : throw new FormatException($"{option}: '{part}' is not a positive number.")).ToArray();

    /// <summary>The localization sweep of <c>--gammas</c>: a table, or JSON with every point's full report.</summary>
    private int Sweep(LlcTransformerSettings o, CancellationToken token)
    {
        var gammas = ParseNumbers(o.Gammas!, "--gammas");
        var nBetas = o.NBetas is null ? null : ParseNumbers(o.NBetas, "--nbetas");
        RefinementResult? refinement = null;
        HessianSpectrum? spectrum = null;
        var sweep = Progress.Run(o.Json, "γ sweep", progress =>
        {
            using var c = CreateCase(o);
            refinement = c.Refinement;
            spectrum = c.Spectrum;
            return LocalizationSweep.Run(c.Target, c.Settings, gammas, nBetas, progress, token);
        });
        if (o.Json)
        {
            var json = new System.Text.Json.Nodes.JsonObject
            {
                ["refinement"] = refinement is null ? null : refinement.Summary,
                ["spectrum"] = spectrum is null ? null : SpectrumJson(spectrum, sweep.Points.Select(p => (p.NBeta, p.Gamma))),
                ["points"] = new System.Text.Json.Nodes.JsonArray(sweep.Points.Select(p => (System.Text.Json.Nodes.JsonNode?)EstimateReport.ToJson(p.Result)).ToArray()),
                ["halvings"] = new System.Text.Json.Nodes.JsonArray(sweep.Halvings().Select(h => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject
                {
                    ["nbeta"] = h.NBeta, ["gamma"] = h.Gamma, ["change_at_half"] = h.Change, ["allowed"] = h.Allowed, ["stable"] = h.Stable,
                }).ToArray()),
            };
            Console.WriteLine(EstimateReport.Format(json));
            return 0;
        }
        if (refinement is not null) AnsiConsole.MarkupLine(Markup.Escape(refinement.Summary));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "γ", "nβ", "ε", "λ̂", "se", "R̂", "ESS", "MALA", "trust", "s" }) table.AddColumn(column);
        if (spectrum is not null) table.AddColumn("quadratic ± se");
        foreach (var p in sweep.Points)
        {
            var r = p.Result;
            var row = new List<string> { $"{p.Gamma:G4}", $"{p.NBeta:G4}", $"{p.StepSize:G3}", r.Mean is double m ? $"{m:F2}" : "—", $"{r.StandardError:F2}",
                $"{r.Diagnostics.RHat:F3}", $"{r.Diagnostics.Ess:F0}", $"{r.Diagnostics.MalaAcceptance:F3}", r.Diagnostics.Trust.ToString(), $"{r.Run.Seconds:F0}" };
            if (spectrum is not null)
                row.Add(spectrum.QuadraticLlc(p.NBeta, p.Gamma) is { Exists: true } q ? $"{q.Mean:F1} ± {q.StandardError:F1}" : "improper");
            table.AddRow(row.ToArray());
        }
        AnsiConsole.Write(table);
        if (spectrum is not null)
            AnsiConsole.MarkupLine(Markup.Escape($"Hessian spectrum at w*: {spectrum.Settings.Probes} probes × {spectrum.Settings.Steps} Lanczos steps, Ritz values {spectrum.SmallestNode:G3} to {spectrum.LargestNode:G4} ({spectrum.Seconds:F0} s)."));
        foreach (var h in sweep.Halvings())
            AnsiConsole.MarkupLine(Markup.Escape($"nβ {h.NBeta:G4}: γ {h.Gamma:G4} → {h.Gamma / 2:G4} moves λ̂ by {h.Change:+0.00;-0.00} (allowed ±{h.Allowed:F2}): {(h.Stable ? "stable" : "depends on γ")}"));
        return 0;
    }

    /// <summary>The LLC trajectory of <c>--checkpoints</c>: a table (or JSON) per checkpoint and the stage boundaries; exit
    /// code by the worst verdict among the trained checkpoints' whole-sample estimates (step 0 left out: a random
    /// initialization is not what the trajectory is about).</summary>
    private int Trajectory(LlcTransformerSettings o, CancellationToken token)
    {
        var defaults = Transitions.LlcTrajectorySettings.Default;
        var settings = defaults with
        {
            Windows = o.Windows,
            DataSeed = o.DataSeed,
            PerFamily = !o.NoFamilies,
            Sampler = Override(defaults.Sampler, o) with
            {
                StepSize = LlcSettings.StepSize(o.Epsilon) ?? defaults.Sampler.StepSize,
                BatchSize = o.BatchSize ?? defaults.Sampler.BatchSize,
                ParallelGroups = o.Parallel ?? defaults.Sampler.ParallelGroups,
                MalaEvery = o.MalaEvery ?? defaults.Sampler.MalaEvery,
                SampledParameters = null,
            },
        };
        if (o.NBeta is not null) throw new FormatException("--nbeta: the trajectory sets nβ itself (N / log N, and n_f β for a family).");
        var trajectory = Progress.Run(o.Json, "LLC trajectory", progress =>
        {
            var report = progress;
            if (o.Checkpoints == "run")
            {
                var recipe = o.Config is null ? TrainingRunConfig.Default : TrainingRunConfig.Load(o.Config);
                // --ship recomputes: a shipped or cached result is never shipped again.
                var result = Transitions.LlcTrajectory.ForTrainingRun(recipe, settings, useCache: !o.Ship, progress: report, cancellationToken: token);
                if (o.Ship) Console.Error.WriteLine($"shipped: {Transitions.LlcTrajectory.Ship(result, recipe)}");
                return result;
            }
            var (truth, files) = Transitions.LlcTrajectory.ReadFolder(o.Checkpoints!);
            return Transitions.LlcTrajectory.Estimate(truth, files, settings, Path.GetFullPath(o.Checkpoints!), report, token);
        });
        if (o.Csv is not null) Slt.Presentation.TableCsv.WriteCsv(trajectory.ToDataFrame(), o.Csv);
        var trained = trajectory.Points.Where(p => p.Step > 0).Select(p => p.Whole).DefaultIfEmpty(trajectory.Points[^1].Whole).ToArray();
        var codes = trained.Select(w => ExitCodes.For(w.Trust, w.Mean is not null)).ToArray();
        int exit = codes.Contains(2) ? 2 : codes.Max();   // a divergent checkpoint outranks an untrustworthy one
        if (o.Json)
        {
            Console.WriteLine(EstimateReport.Format(trajectory.ToJson()));
            return exit;
        }
        var table = new Table().Border(TableBorder.Rounded);
        var columns = new List<string> { "step", "L/token", "K", "gain", "λ̂ ± se", "R̂", "ESS", "verdict" };
        columns.AddRange(trajectory.FamilyNames.Where(_ => trajectory.Points[0].Families.Count > 0).Select(f => $"λ̂ {f}"));
        foreach (var c in columns) table.AddColumn(Markup.Escape(c));
        foreach (var p in trajectory.Points)
        {
            var row = new List<string>
            {
                $"{p.Step}", $"{p.LossPerToken:F4}", $"{p.Kl:F2} ± {p.KlStandardError:F2}", $"{p.CapturedGain:F3}",
                p.Whole.Mean is double m ? $"{m:F2} ± {p.Whole.StandardError:F2}" : "—", $"{p.Whole.RHat:F3}", $"{p.Whole.Ess:F0}",
                Transitions.LlcTrajectory.TrustWords(p.Whole.Trust),
            };
            row.AddRange(p.Families.Select(f => f.Mean is double fm ? $"{fm:F2} ± {f.StandardError:F2}" : "—"));
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }
        AnsiConsole.Write(table);
        foreach (var b in trajectory.Stages())
            AnsiConsole.MarkupLine(Markup.Escape($"stage boundary: {b.Curve} {b.Kind.ToString().ToLowerInvariant()} at step {b.Step} (moves {b.Rise:G3} in, {b.Fall:G3} out; threshold {b.Threshold:G3})"));
        AnsiConsole.MarkupLine(Markup.Escape($"{trajectory.Points.Count} checkpoints in {trajectory.Seconds:F0} s{(trajectory.Shipped ? " (read from data/results)" : trajectory.FromCache ? " (from the cache)" : "")}."));
        return exit;
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
}
