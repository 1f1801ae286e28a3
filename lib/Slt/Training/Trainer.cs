using System.Diagnostics;
using Slt.Losses;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Training;

/// <summary>
/// Trains the transformer on the corpus by minimising the empirical loss L_n(w) with AdamW, recording
/// <see cref="LengthDecomposedLoss"/> at log-spaced checkpoints. Deterministic for a seed: the initial weights, the
/// training sample D_n and the minibatch order all derive from <see cref="TrainingConfig.Seed"/>, and libtorch's thread
/// count is fixed by <see cref="TorchRuntime"/>.
/// </summary>
public static class Trainer
{
    /// <summary>Trains and returns the final model with the run's record.</summary>
    /// <param name="config">The recipe.</param>
    /// <param name="checkpointDirectory">If given, the weights at each checkpoint are saved there as <c>step-NNNNNNN.ckpt</c>.</param>
    /// <param name="progress">Receives a report every few steps.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    public static (Transformer Model, TrainingRun Run) Train(
        TrainingRunConfig config, string? checkpointDirectory = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        config.Validate();
        var device = TorchRuntime.Initialize();
        var t = config.Training;
        var truth = config.Truth(); // conditioned on the recipe's family, if any
        var generator = new CorpusGenerator(truth);
        var trainingSample = generator.Sample(t.TrainingWindows, t.Seed);
        var evaluation = new LengthDecomposedKl(truth, generator.Sample(t.EvaluationWindows, t.EvaluationSeed));
        string corpusJson = config.Corpus.ToJson();

        var model = new Transformer(config.Model, t.Seed);
        model.to(device);
        using var optimizer = optim.AdamW(model.parameters(), lr: t.LearningRate, beta1: 0.9, beta2: 0.99, weight_decay: t.WeightDecay);
        var batchOrder = DeterministicRandom.ForStream(t.Seed, "batches");
        var checkpointSteps = new HashSet<int>(t.CheckpointSteps());
        var checkpoints = new List<TrainingCheckpoint>();
        var stepLosses = new double[t.Steps];
        var clock = Stopwatch.StartNew();
        var indices = new int[t.BatchSize];
        int lastCheckpoint = 0;

        void Record(int step)
        {
            model.eval();
            var e = evaluation.Evaluate(model);
            model.train();
            string? file = null;
            if (checkpointDirectory is not null)
            {
                file = Path.Combine(checkpointDirectory, $"step-{step:D7}.ckpt");
                TransformerCheckpoint.Save(file, model, step, corpusJson);
            }
            double batchLoss = step == 0 ? double.NaN : stepLosses[lastCheckpoint..step].Average();
            checkpoints.Add(new TrainingCheckpoint(step, LearningRateSchedule.At(Math.Max(0, step - 1), t), batchLoss, e, file));
            lastCheckpoint = step;
        }

        model.train();
        Record(0);
        for (int step = 0; step < t.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            double lr = LearningRateSchedule.At(step, t);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            for (int i = 0; i < indices.Length; i++) indices[i] = batchOrder.NextInt(trainingSample.Count);
            var windows = trainingSample.ToTensor(indices, device);
            optimizer.zero_grad();
            var loss = NextTokenLoss.Mean(model, windows);
            loss.backward();
            if (t.GradientClip > 0) nn.utils.clip_grad_norm_(model.parameters(), t.GradientClip);
            optimizer.step();
            double value = loss.item<float>();
            if (!double.IsFinite(value))
                throw new InvalidOperationException($"Training diverged at step {step + 1}: the loss is {value}. Lower the learning rate (now {t.LearningRate}).");
            stepLosses[step] = value;
            if (checkpointSteps.Contains(step + 1)) Record(step + 1);
            if (progress is not null && ((step + 1) % 25 == 0 || step + 1 == t.Steps))
                progress.Report(new TrainingProgress(step + 1, t.Steps, value, lr, clock.Elapsed));
        }
        var run = new TrainingRun(config, checkpoints, stepLosses, clock.Elapsed.TotalSeconds);
        return (model, run);
    }
}
