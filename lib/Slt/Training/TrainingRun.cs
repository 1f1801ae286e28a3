using Microsoft.Data.Analysis;
using Slt.Losses;
using Slt.Presentation;

namespace Slt.Training;

/// <summary>The state of training at one checkpoint: step, learning rate, recent minibatch loss, per-length losses.</summary>
/// <param name="Step">Optimizer steps taken.</param>
/// <param name="LearningRate">η at that step.</param>
/// <param name="BatchLoss">Mean minibatch loss over the steps since the previous checkpoint (NaN at step 0).</param>
/// <param name="Evaluation">L^l, S^l, K^l on the evaluation sample.</param>
/// <param name="CheckpointFile">Where the weights were saved, if they were.</param>
public sealed record TrainingCheckpoint(int Step, double LearningRate, double BatchLoss, LengthDecomposedLoss Evaluation, string? CheckpointFile);

/// <summary>A finished training run: the configuration, the checkpoints, and the loss of every step.</summary>
/// <param name="Configuration">What was trained.</param>
/// <param name="Checkpoints">Log-spaced checkpoints, step 0 first.</param>
/// <param name="StepLosses">The minibatch loss at every step.</param>
/// <param name="Seconds">Wall-clock training time.</param>
public sealed record TrainingRun(TrainingRunConfig Configuration, IReadOnlyList<TrainingCheckpoint> Checkpoints, double[] StepLosses, double Seconds)
{
    /// <summary>The last checkpoint's per-length losses.</summary>
    public LengthDecomposedLoss Final => Checkpoints[^1].Evaluation;

    /// <summary>One row per (checkpoint, length): step, l, L^l, S^l, K^l, K^l's standard error.</summary>
    public DataFrame ToDataFrame()
    {
        var step = new PrimitiveDataFrameColumn<int>("step");
        var length = new PrimitiveDataFrameColumn<int>("length");
        var l = new DoubleDataFrameColumn("L");
        var s = new DoubleDataFrameColumn("S");
        var k = new DoubleDataFrameColumn("K");
        var kse = new DoubleDataFrameColumn("K_se");
        foreach (var c in Checkpoints)
            for (int i = 0; i < c.Evaluation.LengthCount; i++)
            {
                step.Append(c.Step); length.Append(c.Evaluation.Lengths[i]);
                l.Append(c.Evaluation.CrossEntropy[i]); s.Append(c.Evaluation.Entropy[i]);
                k.Append(c.Evaluation.Kl[i]); kse.Append(c.Evaluation.KlStandardError[i]);
            }
        return new DataFrame(step, length, l, s, k, kse);
    }

    /// <summary>One row per checkpoint: step, η, minibatch loss, L/(C−1), K, the captured share of the in-context gain.</summary>
    public DataFrame CheckpointTable() => new(
        new PrimitiveDataFrameColumn<int>("step", Checkpoints.Select(c => c.Step)),
        new DoubleDataFrameColumn("learning_rate", Checkpoints.Select(c => c.LearningRate)),
        // No step has been taken at step 0: an empty cell, not NaN.
        new DoubleDataFrameColumn("batch_loss", Checkpoints.Select(c => double.IsNaN(c.BatchLoss) ? (double?)null : c.BatchLoss)),
        new DoubleDataFrameColumn("L_per_token", Checkpoints.Select(c => c.Evaluation.MeanCrossEntropy)),
        new DoubleDataFrameColumn("K_total", Checkpoints.Select(c => c.Evaluation.TotalKl)),
        new DoubleDataFrameColumn("captured_gain", Checkpoints.Select(c => c.Evaluation.CapturedGainFraction)));

    /// <summary>K^l(w_t) against the input length l, one line per checkpoint: in-context learning is K^l falling with l.</summary>
    public Figure ToFigure()
    {
        var traces = new List<Trace>();
        foreach (var c in Checkpoints.Where(c => c.Step > 0))
        {
            var e = c.Evaluation;
            traces.Add(new LineTrace($"step {c.Step}", e.Lengths.Select(x => (double)x).ToArray(), e.Kl, e.KlStandardError));
        }
        return new Figure("K^l(w) by input length across training", traces, new Axis("input length l"), new Axis("K^l (nats)", Log: true));
    }

    /// <summary>
    /// L^l(w_t) against the input length, one line per checkpoint, with the truth's S^l (the Bayes limit) dashed:
    /// in-context learning is L^l falling with l, as S^l does.
    /// </summary>
    public Figure LossByLengthFigure()
    {
        var traces = new List<Trace>();
        foreach (var c in Checkpoints.Where(c => c.Step > 0))
        {
            var e = c.Evaluation;
            traces.Add(new LineTrace($"L^l, step {c.Step}", e.Lengths.Select(x => (double)x).ToArray(), e.CrossEntropy));
        }
        var f = Final;
        traces.Add(new LineTrace("S^l (Bayes limit)", f.Lengths.Select(x => (double)x).ToArray(), f.Entropy, f.EntropyStandardError, Dashed: true));
        return new Figure("L^l(w) by input length across training", traces, new Axis("input length l"), new Axis("nats", Max: f.Entropy[0] + 0.5));
    }

    /// <summary>The minibatch loss against the step (log step axis).</summary>
    public Figure LossCurve() => new(
        "Training loss",
        [new LineTrace("minibatch loss", Enumerable.Range(1, StepLosses.Length).Select(i => (double)i).ToArray(), StepLosses)],
        new Axis("step", Log: true), new Axis("nats per token"));
}
