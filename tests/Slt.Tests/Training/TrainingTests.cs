using Slt.Model;
using Slt.Platform;
using Slt.Training;
using Slt.Truth;

namespace Slt.Tests.Training;

[Collection(SequentialTorchCollection.Name)]
public sealed class TrainingTests
{
    internal static TrainingRunConfig Tiny(long seed) => new(
        CorpusSpec.Default with { TasksPerFamily = 4, ContextLength = 12 },
        new TransformerConfig(new Vocabulary(CorpusSpec.Default).Count, 12, ModelDimension: 16, Layers: 1, Heads: 2),
        new TrainingConfig(Steps: 30, BatchSize: 8, WarmupSteps: 5, Seed: seed, TrainingWindows: 200, EvaluationWindows: 16, Checkpoints: 4));

    [Fact]
    public void SameSeedGivesSameTrainingLosses()
    {
        TorchRuntime.Initialize(1);
        var (_, a) = Trainer.Train(Tiny(3));
        var (_, b) = Trainer.Train(Tiny(3));
        var (_, c) = Trainer.Train(Tiny(4));
        Assert.Equal(a.StepLosses, b.StepLosses);
        Assert.Equal(a.Final.Kl, b.Final.Kl);
        Assert.NotEqual(a.StepLosses, c.StepLosses);
        Assert.True(a.StepLosses[^5..].Average() < a.StepLosses[..5].Average(), "The loss should fall during training.");
    }

    [Fact]
    public void CheckpointsAreLogSpacedAndSaved()
    {
        var steps = new TrainingConfig(Steps: 1000, Checkpoints: 5).CheckpointSteps();
        Assert.Equal(new[] { 0, 1, 10, 100, 1000 }, steps);
        TorchRuntime.Initialize(1);
        string dir = Directory.CreateTempSubdirectory("slt-train-").FullName;
        try
        {
            var (model, run) = Trainer.Train(Tiny(1), dir);
            Assert.Equal(Tiny(1).Training.CheckpointSteps(), run.Checkpoints.Select(c => c.Step).ToArray());
            foreach (var c in run.Checkpoints) Assert.True(File.Exists(c.CheckpointFile), c.CheckpointFile);
            var (last, header) = TransformerCheckpoint.Load(run.Checkpoints[^1].CheckpointFile!);
            Assert.Equal(30, header.Step);
            Assert.Equal(Tiny(1).Corpus.ToJson(), header.CorpusSpecJson);
            Assert.Equal(run.Checkpoints.Count * (Tiny(1).Corpus.ContextLength - 1), run.ToDataFrame().Rows.Count);
            Assert.Equal(run.Checkpoints.Count - 1, run.ToFigure().Traces.Count);
            Assert.Equal(run.Checkpoints.Count, run.LossByLengthFigure().Traces.Count); // one per trained checkpoint, plus S^l
            var table = run.CheckpointTable();
            Assert.Equal(run.Checkpoints.Count, table.Rows.Count);
            Assert.Null(table["batch_loss"][0]); // no step taken yet: empty, not NaN
            Assert.All(Enumerable.Range(1, (int)table.Rows.Count - 1), i => Assert.IsType<double>(table["batch_loss"][i]));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void LearningRateWarmsUpThenDecaysByCosine()
    {
        var t = new TrainingConfig(Steps: 100, LearningRate: 1e-2, WarmupSteps: 10, FinalLearningRateFraction: 0.1);
        Assert.Equal(1e-3, LearningRateSchedule.At(0, t), 12);
        Assert.Equal(1e-2, LearningRateSchedule.At(10, t), 12);
        Assert.Equal(1e-2 * (0.1 + 0.9 * 0.5), LearningRateSchedule.At(55, t), 12);
        Assert.Equal(1e-3, LearningRateSchedule.At(100, t), 12);
    }

    [Fact]
    public void ShippedRecipeIsTheDefaultAndBadRecipesAreRejected()
    {
        var shipped = TrainingRunConfig.Load(RepositoryPaths.Path("data", "default.train.json"));
        Assert.Equal(TrainingRunConfig.Default.ToJson(), shipped.ToJson());
        var e = Assert.Throws<InvalidDataException>(() => TrainingRunConfig.FromJson("{\"trainig\": {}}", "."));
        Assert.Contains("trainig", e.Message);
        var v = Assert.Throws<ArgumentException>(() => TrainingRunConfig.FromJson("{\"model\": {\"vocabularySize\": 7}}", "."));
        Assert.Contains("vocabularySize = 7", v.Message);
        Assert.Equal("Steps", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingConfig(Steps: 0).Validate()).ParamName);
    }
}
