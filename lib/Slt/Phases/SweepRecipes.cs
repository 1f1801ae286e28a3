using System.Globalization;
using Slt.Training;

namespace Slt.Phases;

/// <summary>The training and probe settings the two sweeps share.</summary>
internal static class SweepRecipes
{
    public static void ValidateTraining(int steps, int trainingWindows, int probeWindows, double headShare)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException("Steps", steps, "steps must be at least 1.");
        if (trainingWindows < 64) throw new ArgumentOutOfRangeException("TrainingWindows", trainingWindows, "trainingWindows must be at least 64.");
        if (probeWindows < 64) throw new ArgumentOutOfRangeException("ProbeWindows", probeWindows, "probeWindows must be at least 64.");
        if (!(headShare > 0 && headShare < 1)) throw new ArgumentOutOfRangeException("HeadShare", headShare, "headShare must be in (0, 1).");
    }

    /// <summary>A recipe with the sweep's steps, training-sample size and seed (the warmup shortened when the run is
    /// shorter than the default warmup); at the defaults it is the default recipe.</summary>
    public static TrainingRunConfig Recipe(TrainingRunConfig baseRecipe, int steps, int trainingWindows, long seed) =>
        (baseRecipe with
        {
            Training = baseRecipe.Training with
            {
                Steps = steps,
                WarmupSteps = Math.Min(baseRecipe.Training.WarmupSteps, steps),
                TrainingWindows = trainingWindows,
                Seed = seed,
            },
        }).Validate();

    public static string ProbeKey(int windows, long seed, double headShare) =>
        string.Create(CultureInfo.InvariantCulture, $"probe={windows}|seed={seed}|head={headShare:R}");
}
