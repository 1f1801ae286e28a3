using Slt.Estimators;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Tests.Training;
using Slt.Training;
using Slt.Transitions;
using Slt.Truth;

namespace Slt.Tests.Transitions;

/// <summary>The LLC trajectory measures each checkpoint's own weights at the stated temperatures, deterministically,
/// and is cached by recipe and settings.</summary>
[Collection(SequentialTorchCollection.Name)]
public sealed class LlcTrajectoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("slt-trajectory-").FullName;

    private static readonly LlcTrajectorySettings Short = new(Windows: 24, DataSeed: 3, EvaluationWindows: 16, EvaluationSeed: 4)
    {
        Sampler = new SgldSettings
        {
            StepSize = 1e-4, Localization = 300, Chains = 2, BurnIn = 10, Draws = 12, StepsBetweenDraws = 2, BatchSize = 4,
            DrawLoss = DrawLoss.MiniBatchExcess, MalaEvery = 5,
        },
    };

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private (TrueDistribution Truth, IReadOnlyList<(int Step, string File)> Files) TinyRun()
    {
        TorchRuntime.Initialize(1);
        var recipe = TrainingTests.Tiny(1);
        var (model, _) = Trainer.Train(recipe, Path.Combine(_dir, "checkpoints"));
        model.Dispose();
        return LlcTrajectory.ReadFolder(_dir);
    }

    [Fact]
    public void EachPointIsTheEstimateOfItsOwnCheckpointAtTheStatedTemperatures()
    {
        var (truth, files) = TinyRun();
        Assert.Equal(TrainingTests.Tiny(1).Training.CheckpointSteps(), files.Select(f => f.Step).ToArray());
        var trajectory = LlcTrajectory.Estimate(truth, files, Short);
        Assert.Equal(files.Count, trajectory.Points.Count);
        var partition = FamilyPartition.Of(new CorpusGenerator(truth).Sample(Short.Windows, Short.DataSeed));
        foreach (var p in trajectory.Points)
        {
            Assert.Equal(Short.Windows / Math.Log(Short.Windows), p.Whole.NBeta, 12);
            Assert.Equal(partition.FamilyNames.Count, p.Families.Count);
            for (int f = 0; f < p.Families.Count; f++)
            {
                Assert.Equal(partition.CountOf(f), p.Families[f].Windows);
                Assert.Equal(partition.CountOf(f) / Math.Log(Short.Windows), p.Families[f].NBeta, 12);   // n_f β with the whole's β
            }
        }
        // The last point is exactly a direct estimate on the last checkpoint's weights (not another checkpoint's).
        var (last, _) = TransformerCheckpoint.Load(files[^1].File);
        var (first, _) = TransformerCheckpoint.Load(files[1].File);
        using (last) using (first)
        {
            double[] Direct(Transformer m)
            {
                m.eval();
                using var target = NextTokenTarget.Create(m, partition.Sample);
                return LocalLearningCoefficient.Estimate(target, Short.Sampler with { NBeta = partition.WholeNBeta }).PerChain;
            }
            Assert.Equal(Direct(last), trajectory.Points[^1].Whole.PerChain);
            Assert.NotEqual(Direct(first), trajectory.Points[^1].Whole.PerChain);
        }
        // The evaluation curves are the checkpoints' own: the loss falls from the initialization to the end.
        Assert.True(trajectory.Points[^1].LossPerToken < trajectory.Points[0].LossPerToken);
        var drift = GradientDrift.Measure(trajectory, TrainingTests.Tiny(1));
        Assert.Equal(trajectory.Points.Count * 3, drift.Count);
        Assert.All(drift, r => Assert.Equal(r.NBeta * r.NBeta * r.GradientNorm * r.GradientNorm / Short.Sampler.Localization, r.DriftBound, 9));
        Assert.All(drift.Where(r => r.Data == "whole"), r => Assert.True(r.GradientNorm > 0));
        var again = LlcTrajectory.Estimate(truth, files, Short);
        Assert.Equal(trajectory.Llc(), again.Llc());
        Assert.Equal(trajectory.Points.Count, trajectory.ToDataFrame().Rows.Count);
        Assert.Equal(trajectory.Points.Count, trajectory.ToJson()["points"]!.AsArray().Count);
        Assert.Equal(2, trajectory.ToFigure().Figures.Count);
        var whole = LlcTrajectory.Estimate(truth, files, Short with { PerFamily = false });
        Assert.All(whole.Points, p => Assert.Empty(p.Families));
        Assert.Equal(trajectory.Llc(), whole.Llc());   // the whole's estimate does not depend on whether families are sampled too
    }

    [Fact]
    public void ARecipesTrajectoryIsCached()
    {
        TorchRuntime.Initialize(1);
        var recipe = TrainingTests.Tiny(2);
        string cache = Path.Combine(_dir, "cache");
        var first = LlcTrajectory.ForTrainingRun(recipe, Short with { PerFamily = false }, directory: cache);
        Assert.False(first.FromCache);
        var second = LlcTrajectory.ForTrainingRun(recipe, Short with { PerFamily = false }, directory: cache);
        Assert.True(second.FromCache);
        Assert.Equal(first.Llc(), second.Llc());
        Assert.Equal(first.Steps, second.Steps);
        var (stored, now) = second.RecomputeLast(recipe);
        Assert.Equal(stored.PerChain, now.PerChain);   // same weights, sample and seed: the same numbers
        Assert.Contains("read from the cache", second.Summary());
        var other = LlcTrajectory.ForTrainingRun(recipe, Short with { PerFamily = false, DataSeed = 9 }, directory: cache);
        Assert.False(other.FromCache);
    }

    [Fact]
    public void BadInputIsRefusedByName()
    {
        var truth = new TrueDistribution(CorpusSpec.Default);
        Assert.Contains("does not exist", Assert.Throws<ArgumentException>(() => LlcTrajectory.ReadFolder(Path.Combine(_dir, "missing"))).Message);
        Assert.Contains("holds no step-", Assert.Throws<ArgumentException>(() => LlcTrajectory.ReadFolder(_dir)).Message);
        Assert.Contains("at least one checkpoint", Assert.Throws<ArgumentException>(() => LlcTrajectory.Estimate(truth, [], Short)).Message);
        Assert.Contains("does not exist", Assert.Throws<ArgumentException>(() => LlcTrajectory.Estimate(truth, [(0, Path.Combine(_dir, "x.ckpt"))], Short)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => (Short with { Windows = 2 }).Validated());
        Assert.Contains("nβ", Assert.Throws<ArgumentException>(() => (Short with { Sampler = Short.Sampler with { NBeta = 5 } }).Validated()).Message);
    }
}
