namespace Slt.Training;

/// <summary>
/// η(t) = η₀ (t + 1)/w for t &lt; w (linear warmup), then
/// η(t) = η₀ [f + (1 − f)(1 + cos(π (t − w)/(T − w)))/2] (cosine decay to the fraction f of the peak at step T).
/// </summary>
public static class LearningRateSchedule
{
    public static double At(int step, TrainingConfig config)
    {
        double peak = config.LearningRate;
        int w = config.WarmupSteps, total = config.Steps;
        if (step < w) return peak * (step + 1) / w;
        if (total <= w) return peak;
        double progress = Math.Min(1.0, (double)(step - w) / (total - w));
        double f = config.FinalLearningRateFraction;
        return peak * (f + (1 - f) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
