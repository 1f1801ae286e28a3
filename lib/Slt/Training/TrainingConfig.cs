using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slt.Training;

/// <summary>
/// How to train: AdamW (Loshchilov &amp; Hutter 2019) on minibatches of windows drawn from a fixed training sample
/// D_n of <see cref="TrainingWindows"/> windows, learning rate warmed up linearly then decayed by a cosine
/// (<see cref="LearningRateSchedule"/>), with per-length losses recorded at log-spaced checkpoints.
/// </summary>
/// <param name="Steps">Optimizer steps, 1 ≤ · ≤ 10⁷; default 1500.</param>
/// <param name="BatchSize">Windows per step, 1 ≤ · ≤ 65536; default 64.</param>
/// <param name="LearningRate">Peak learning rate, in (0, 1]; default 3e-3.</param>
/// <param name="WeightDecay">AdamW's decoupled weight decay, in [0, 1]; default 0.01.</param>
/// <param name="WarmupSteps">Linear warmup length, 0 ≤ · ≤ Steps; default 100.</param>
/// <param name="FinalLearningRateFraction">The cosine ends at this fraction of the peak, in [0, 1]; default 0.1.</param>
/// <param name="GradientClip">Maximum global gradient norm (0 = no clipping), ≥ 0; default 1.</param>
/// <param name="Seed">Fixes the initial weights, the training sample and the batch order.</param>
/// <param name="TrainingWindows">n, the size of the training sample D_n, ≥ 1; default 65536.</param>
/// <param name="EvaluationWindows">Windows (drawn independently of D_n) for the per-length losses at checkpoints, ≥ 2; default 512.</param>
/// <param name="Checkpoints">Number of log-spaced checkpoints including step 0 and the last step, 2 ≤ · ≤ 1000; default 14.</param>
public sealed record TrainingConfig(
    int Steps = 1500,
    int BatchSize = 64,
    double LearningRate = 3e-3,
    double WeightDecay = 0.01,
    int WarmupSteps = 100,
    double FinalLearningRateFraction = 0.1,
    double GradientClip = 1.0,
    long Seed = 1,
    int TrainingWindows = 65536,
    int EvaluationWindows = 512,
    int Checkpoints = 14)
{
    internal static JsonSerializerOptions JsonOptions => Configuration.ConfigurationJson.Options;

    public TrainingConfig Validate()
    {
        if (Steps is < 1 or > 10_000_000) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "steps must be in [1, 10000000].");
        if (BatchSize is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batchSize must be in [1, 65536].");
        if (!(LearningRate > 0 && LearningRate <= 1)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "learningRate must be in (0, 1].");
        if (!(WeightDecay >= 0 && WeightDecay <= 1)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "weightDecay must be in [0, 1].");
        if (WarmupSteps < 0 || WarmupSteps > Steps) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, $"warmupSteps must be in [0, steps = {Steps}].");
        if (!(FinalLearningRateFraction >= 0 && FinalLearningRateFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(FinalLearningRateFraction), FinalLearningRateFraction, "finalLearningRateFraction must be in [0, 1].");
        if (!(GradientClip >= 0) || double.IsInfinity(GradientClip)) throw new ArgumentOutOfRangeException(nameof(GradientClip), GradientClip, "gradientClip must be finite and ≥ 0.");
        if (TrainingWindows < 1) throw new ArgumentOutOfRangeException(nameof(TrainingWindows), TrainingWindows, "trainingWindows must be at least 1.");
        if (EvaluationWindows < 2) throw new ArgumentOutOfRangeException(nameof(EvaluationWindows), EvaluationWindows, "evaluationWindows must be at least 2.");
        if (Checkpoints is < 2 or > 1000) throw new ArgumentOutOfRangeException(nameof(Checkpoints), Checkpoints, "checkpoints must be in [2, 1000].");
        return this;
    }

    /// <summary>Steps 0 and <see cref="Steps"/> and log-spaced steps between (duplicates removed, so possibly fewer).</summary>
    public int[] CheckpointSteps()
    {
        var steps = new SortedSet<int> { 0, Steps };
        for (int i = 0; i < Checkpoints - 1; i++)
            steps.Add((int)Math.Round(Math.Exp(Math.Log(Steps) * i / (Checkpoints - 2))));
        return steps.ToArray();
    }

    /// <summary>The seed of the evaluation sample (distinct from the training sample's stream).</summary>
    [JsonIgnore]
    public long EvaluationSeed => unchecked(Seed * 7919 + 1_000_003);
}
