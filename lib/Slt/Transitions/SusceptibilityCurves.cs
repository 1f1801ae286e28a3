using Slt.Configuration;

using Microsoft.Data.Analysis;
using Slt.Additivity;
using Slt.Model;
using Slt.Presentation;
using Slt.Sampling;
using Slt.Training;
using Slt.Truth;

namespace Slt.Transitions;

/// <summary>
/// The susceptibilities χ̂_C of every block to every shift at every checkpoint of a training run: the curves of the
/// chapter "Phase transitions in training" (docs/susceptibilities.md §5).
/// </summary>
/// <param name="Points">One per (step, block, shift).</param>
/// <param name="NBeta">nβ = n / log n of the whole sample.</param>
/// <param name="Windows">n.</param>
/// <param name="Seconds">Wall-clock seconds of the computation.</param>
public sealed record SusceptibilityCurves(IReadOnlyList<SusceptibilityPoint> Points, double NBeta, int Windows, double Seconds)
{
    /// <summary>The checkpoint steps, in order.</summary>
    public IReadOnlyList<int> Steps => Points.Select(p => p.Step).Distinct().OrderBy(s => s).ToArray();

    /// <summary>The blocks, in order of first appearance.</summary>
    public IReadOnlyList<string> Blocks => Points.Select(p => p.Block).Distinct().ToArray();

    /// <summary>The shifts, in order of first appearance.</summary>
    public IReadOnlyList<string> Shifts => Points.Select(p => p.Shift).Distinct().ToArray();

    /// <summary>The curves at every checkpoint of <paramref name="run"/> (its checkpoint files), on the whole sample of
    /// <paramref name="partition"/>.</summary>
    /// <exception cref="ArgumentException">A checkpoint has no file.</exception>
    public static SusceptibilityCurves Compute(TrainingRun run, FamilyPartition partition, IReadOnlyList<string>? blocks = null,
        IReadOnlyList<DataShift>? shifts = null, SgldSettings? settings = null, IReadOnlyCollection<int>? steps = null,
        IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(partition);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var points = new List<SusceptibilityPoint>();
        var chosen = run.Checkpoints.Where(c => steps is null || steps.Contains(c.Step)).ToArray();
        if (chosen.Length == 0) throw new ArgumentException($"No checkpoint at the steps asked for; the run has {string.Join(", ", run.Checkpoints.Select(c => c.Step))}.", nameof(steps));
        foreach (var checkpoint in chosen)
        {
            string file = checkpoint.CheckpointFile ?? throw new ArgumentException($"The checkpoint at step {checkpoint.Step} has no file.", nameof(run));
            var (model, _) = TransformerCheckpoint.Load(file);
            using (model)
            {
                model.eval();
                points.AddRange(TransformerSusceptibility.Estimate(model, partition, blocks, shifts, settings, checkpoint.Step, progress: progress, cancellationToken: cancellationToken));
            }
        }
        return new SusceptibilityCurves(points, partition.WholeNBeta, partition.Count, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The default training run (<see cref="TrainingRunConfig.Default"/>, trained or loaded from the training
    /// cache) on its shipped sample (<see cref="CorpusGenerator.SpecSample"/>), all 14 checkpoints, default blocks and
    /// shifts, cached under <c>SLT_CACHE/additivity</c> by recipe, blocks, settings and this library's build. On a cache
    /// miss it reads the curves shipped in <c>data/results</c> (<c>slt susceptibility transformer --ship</c>) when they
    /// were measured with the same settings on a model with the same fingerprint (its final loss on the sample, see
    /// <see cref="ShippedResults"/>), and computes them otherwise (about ten minutes on two cores).</summary>
    public static (SusceptibilityCurves Result, bool FromCache) Default(IReadOnlyList<string>? blocks = null, SgldSettings? settings = null,
        bool useCache = true, IProgress<SamplingProgress>? progress = null, CancellationToken cancellationToken = default, bool ship = false)
    {
        blocks ??= TransformerSusceptibility.DefaultBlocks;
        settings ??= SusceptibilitySampling.Default;
        var recipe = TrainingRunConfig.Default;
        string key = $"susceptibility|{recipe.ContentHash()}|spec-sample|{string.Join(";", blocks)}|{FamilyInterference.SettingsKey(settings)}";
        return AdditivityCache.GetOrCompute("susceptibility", key, () =>
        {
            var (model, run) = TrainedModelCache.GetOrTrain(recipe);
            var sample = new CorpusGenerator(new TrueDistribution(recipe.Corpus)).SpecSample();
            double fingerprint;
            using (model) fingerprint = ModelFingerprint.Of(model, sample);
            var (curves, shipped) = ShippedResults.ReadOrCompute("susceptibility", key, fingerprint,
                () => Compute(run, FamilyPartition.Of(sample), blocks, null, settings, null, progress, cancellationToken), ship);
            return curves with { Shipped = shipped };
        }, useCache && !ship);
    }

    /// <summary>Whether these curves were read from the shipped results.</summary>
    public bool Shipped { get; init; }

    /// <summary>One row per (step, block, shift): χ̂, se, χ̂/se, the block's dimension, the ESS of φ, MALA acceptance, seconds.</summary>
    public DataFrame ToDataFrame() => new(
        new PrimitiveDataFrameColumn<int>("step", Points.Select(p => p.Step)),
        new StringDataFrameColumn("block", Points.Select(p => p.Block)),
        new StringDataFrameColumn("shift", Points.Select(p => p.Shift)),
        new DoubleDataFrameColumn("chi", Points.Select(p => p.Chi)),
        new DoubleDataFrameColumn("chi_se", Points.Select(p => p.StandardError)),
        new DoubleDataFrameColumn("chi_over_se", Points.Select(p => p.Chi / p.StandardError)),
        new PrimitiveDataFrameColumn<long>("dimension", Points.Select(p => p.Dimension)),
        new DoubleDataFrameColumn("phi_ess", Points.Select(p => p.ObservableEss)),
        new DoubleDataFrameColumn("mala", Points.Select(p => p.MalaAcceptance)),
        new DoubleDataFrameColumn("seconds", Points.Select(p => p.Seconds)));

    /// <summary>χ̂ ± se against the training step (log axis, step 0 at 1), one line per block, for one shift.</summary>
    /// <exception cref="ArgumentException">The shift was not measured.</exception>
    public Figure ToFigure(string shift)
    {
        if (!Shifts.Contains(shift)) throw new ArgumentException($"Shift '{shift}' was not measured; the shifts are: {string.Join(", ", Shifts)}.", nameof(shift));
        var traces = new List<Slt.Presentation.Trace>();
        foreach (var block in Blocks)
        {
            var p = Points.Where(x => x.Block == block && x.Shift == shift).OrderBy(x => x.Step).ToArray();
            traces.Add(new LineTrace(block.Replace('_', ' '), p.Select(x => (double)Math.Max(1, x.Step)).ToArray(), p.Select(x => x.Chi).ToArray(),
                p.Select(x => x.StandardError).ToArray(), Markers: true));
        }
        return new Figure($"χ̂ per block, {shift} (±1 se)", traces,
            new Axis("training step (step 0 at 1)", Log: true), new Axis("χ"));
    }

    /// <summary>One figure per shift, side by side.</summary>
    public FigureGrid ToFigures() => new(2, Shifts.Select(ToFigure).ToArray());

    /// <summary>Per (block, shift), the checkpoint of largest |χ̂| and whether it is a peak: an interior checkpoint whose
    /// |χ̂| exceeds both neighbours' by more than two combined standard errors.</summary>
    public IReadOnlyList<SusceptibilityPeak> Peaks()
    {
        var peaks = new List<SusceptibilityPeak>();
        foreach (var block in Blocks)
            foreach (var shift in Shifts)
            {
                var p = Points.Where(x => x.Block == block && x.Shift == shift).OrderBy(x => x.Step).ToArray();
                int i = Enumerable.Range(0, p.Length).MaxBy(j => Math.Abs(p[j].Chi));
                bool interior = i > 0 && i < p.Length - 1;
                bool Above(SusceptibilityPoint n) => Math.Abs(p[i].Chi) - Math.Abs(n.Chi) > 2 * Math.Sqrt(p[i].StandardError * p[i].StandardError + n.StandardError * n.StandardError);
                peaks.Add(new SusceptibilityPeak(block, shift, p[i].Step, p[i].Chi, p[i].StandardError, interior && Above(p[i - 1]) && Above(p[i + 1])));
            }
        return peaks;
    }
}

/// <summary>The largest |χ̂| of one curve.</summary>
/// <param name="Block">The block.</param>
/// <param name="Shift">The shift.</param>
/// <param name="Step">Where |χ̂| is largest.</param>
/// <param name="Chi">χ̂ there.</param>
/// <param name="StandardError">Its se.</param>
/// <param name="IsPeak">An interior checkpoint that stands above both neighbours by more than 2 combined se.</param>
public sealed record SusceptibilityPeak(string Block, string Shift, int Step, double Chi, double StandardError, bool IsPeak);
