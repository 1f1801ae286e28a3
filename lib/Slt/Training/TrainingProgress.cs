namespace Slt.Training;

/// <summary>A progress report: steps done of the total, the latest minibatch loss and learning rate, time spent.</summary>
public sealed record TrainingProgress(int Step, int Steps, double Loss, double LearningRate, TimeSpan Elapsed);
