namespace Slt.Contexts;

/// <summary>
/// How a fitted context map is optimised: full-batch Adam (Kingma &amp; Ba 2015) from w' = w over the training queries,
/// the learning rate decayed by a cosine from <see cref="LearningRate"/> to <see cref="FinalLearningRateFraction"/>
/// of it.
/// </summary>
/// <param name="Steps">Adam steps, 1 ≤ · ≤ 100,000; default 150.</param>
/// <param name="LearningRate">The initial learning rate, in (0, 1]; default 0.01.</param>
/// <param name="FinalLearningRateFraction">The cosine ends at this fraction of the initial rate, in [0, 1]; default 0.1.</param>
public sealed record ContextFitSettings(int Steps = 150, double LearningRate = 0.01, double FinalLearningRateFraction = 0.1)
{
    public ContextFitSettings Validate()
    {
        if (Steps is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "steps must be in [1, 100000].");
        if (!(LearningRate > 0 && LearningRate <= 1)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "learningRate must be in (0, 1].");
        if (!(FinalLearningRateFraction >= 0 && FinalLearningRateFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(FinalLearningRateFraction), FinalLearningRateFraction, "finalLearningRateFraction must be in [0, 1].");
        return this;
    }

    /// <summary>The learning rate of step s (0-based): η (f + (1 − f)(1 + cos(π s / S))/2).</summary>
    public double LearningRateAt(int step) =>
        LearningRate * (FinalLearningRateFraction + (1 - FinalLearningRateFraction) * 0.5 * (1 + Math.Cos(Math.PI * step / Steps)));
}
