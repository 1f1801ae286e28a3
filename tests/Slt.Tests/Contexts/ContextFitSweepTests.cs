using Slt.Platform;
using Slt.Contexts;
using Slt.Model;
using Slt.Presentation;
using Slt.Training;

namespace Slt.Tests.Contexts;

/// <summary>The sweep over checkpoints (tables, figures, cache, workers) and the degeneracy measurements, on a small trained model.</summary>
public sealed class ContextFitSweepTests
{
    private static readonly ContextFitSweepSettings Tiny = new([1, 4], QueryLength: 4, TrainQueries: 8, TestQueries: 4, Fit: new ContextFitSettings(Steps: 8, LearningRate: 3e-3));

    private static List<(int, Transformer)> Checkpoints() =>
        ContextModels.TrainedRecord.Checkpoints.Select(c => (c.Step, TransformerCheckpoint.Load(c.CheckpointFile!).Model)).ToList();

    [Fact]
    public void TheSweepHasARowPerCheckpointFamilyAndLengthAndDoesNotDependOnTheWorkers()
    {
        // Bit-identical across worker counts holds with one libtorch thread per op (the sweep's documented setting): with
        // an intra-op pool, concurrent fits split reductions by the pool's load, and float32 sums then differ in the last
        // digits. Another test class may have changed the process-wide thread count since ContextModels set it.
        TorchRuntime.Initialize(1);
        var checkpoints = Checkpoints();
        var one = ContextFitSweep.Run(ContextModels.Truth, checkpoints, Tiny, workers: 1);
        var two = ContextFitSweep.Run(ContextModels.Truth, checkpoints, Tiny, workers: 2);
        int families = ContextModels.Truth.Vocabulary.FamilyNames.Count;
        Assert.Equal(checkpoints.Count * families * 2, one.Rows.Count);
        Assert.Equal(one.Rows.Select(r => r.Evaluation), two.Rows.Select(r => r.Evaluation));
        Assert.Equal(checkpoints.Select(c => c.Item1).ToArray(), one.Steps);
        Assert.All(one.Rows, r => Assert.True(double.IsFinite(r.Evaluation.R) && r.Evaluation.RSe >= 0));
        var frame = one.ToDataFrame();
        Assert.Equal(one.Rows.Count, frame.Rows.Count);
        foreach (string column in new[] { "step", "family", "m", "R", "R_se", "kl_truth_mother", "kl_truth_daughter", "kl_truth_zero_shot", "fit_tail_drop" })
            Assert.Contains(column, frame.Columns.Select(c => c.Name));
        Assert.Equal(families * 2, one.FinalTable().Rows.Count);
        var figure = one.ToFigure();
        Assert.Equal(families * 2, figure.Traces.Count);
        Assert.All(figure.Traces, t => Assert.Equal(checkpoints.Count(c => c.Item1 > 0), ((LineTrace)t).X.Length));
        Assert.Equal(families, one.FinalFigure().Traces.Count);
        // The contexts are the same at every checkpoint: the truth's KL of the zero-shot model differs, the task does not.
        Assert.All(one.Rows.GroupBy(r => (r.Family, r.ContextLength)), g => Assert.Single(g.Select(r => r.Task).Distinct()));
        foreach (var (_, m) in checkpoints) m.Dispose();
    }

    [Fact]
    public void TheSweepIsCachedByRecipeSettingsAndBuild()
    {
        string dir = Directory.CreateTempSubdirectory("slt-contexts-cache-").FullName;
        try
        {
            var recipe = new TrainingRunConfig(Slt.Truth.CorpusSpec.Default, ContextModels.Small(layers: 1),
                new TrainingConfig(Steps: 6, BatchSize: 4, WarmupSteps: 1, Seed: 2, TrainingWindows: 32, EvaluationWindows: 4, Checkpoints: 3));
            var first = ContextFitSweep.ForTrainingRun(recipe, Tiny, finalOnly: false, directory: dir);
            Assert.False(first.FromCache);
            Assert.Equal(recipe.Training.CheckpointSteps(), first.Steps);
            var second = ContextFitSweep.ForTrainingRun(recipe, Tiny, finalOnly: false, directory: dir);
            Assert.True(second.FromCache);
            Assert.Equal(first.Rows, second.Rows);
            Assert.True(File.Exists(ContextFitSweep.CacheFile(recipe, Tiny, false, dir)));
            // Other settings or only the final weights: another entry.
            var final = ContextFitSweep.ForTrainingRun(recipe, Tiny, finalOnly: true, directory: dir);
            Assert.False(final.FromCache);
            Assert.Equal(new[] { recipe.Training.Steps }, final.Steps);
            Assert.NotEqual(ContextFitSweep.CacheFile(recipe, Tiny, false, dir), ContextFitSweep.CacheFile(recipe, Tiny with { Seed = 2 }, false, dir));
            // A comparison of subsets reuses the final-weights sweep of each subset.
            var comparison = ContextFitSweep.CompareSubsets(recipe, [Tiny, Tiny with { Subset = "unembedding" }], directory: dir);
            Assert.True(comparison.Sweeps[0].FromCache);
            Assert.Equal(final.Rows, comparison.Sweeps[0].Rows);
            Assert.Equal(2 * final.Rows.Count, comparison.ToDataFrame().Rows.Count);
            Assert.Equal(2 * ContextModels.Truth.Vocabulary.FamilyNames.Count, comparison.ToFigure().Traces.Count);
            // The degeneracy is cached the same way, NaNs and nested arrays included.
            var settings = new DegeneracySettings(ContextsPerFamily: 2, ContextLength: 2, QueryLength: 3, TrainQueries: 4, Fit: new ContextFitSettings(Steps: 3));
            var d1 = FittedMapDegeneracy.ForTrainingRun(recipe, settings, dir);
            var d2 = FittedMapDegeneracy.ForTrainingRun(recipe, settings, dir);
            Assert.Equal(d1.Cosines, d2.Cosines);
            Assert.Equal(d1.Blocks, d2.Blocks);
            Assert.Equal(d1.Spectra.Select(x => x.SingularValues), d2.Spectra.Select(x => x.SingularValues));
            Assert.Single(Directory.GetFiles(dir, "degeneracy-*.json"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BadSweepSettingsAreRefusedWithTheFieldNamed()
    {
        var checkpoints = new List<(int, Transformer)> { (0, ContextModels.Trained) };
        var tooLong = Assert.Throws<ArgumentException>(() => ContextFitSweep.Run(ContextModels.Truth, checkpoints, Tiny with { ContextLengths = [30] }));
        Assert.Contains("ContextLengths", tooLong.Message);
        Assert.Throws<ArgumentException>(() => ContextFitSweep.Run(ContextModels.Truth, checkpoints, Tiny with { ContextLengths = [2, 2] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextFitSweep.Run(ContextModels.Truth, checkpoints, Tiny with { TestQueries = 1 }));
        var unknown = Assert.Throws<ArgumentException>(() => ContextFitSweep.Run(ContextModels.Truth, checkpoints, Tiny with { Subset = "blocks.9" }));
        Assert.Contains("blocks.9", unknown.Message);
    }

    [Fact]
    public void TheDegeneracyFindsTheExactFibresAndBoundsTheRank()
    {
        var settings = new DegeneracySettings(ContextsPerFamily: 2, ContextLength: 4, QueryLength: 4, TrainQueries: 8, Fit: new ContextFitSettings(Steps: 8, LearningRate: 3e-3));
        var model = ContextModels.Trained;
        var d = FittedMapDegeneracy.Measure(model, ContextModels.Truth, settings);
        int dModel = model.Config.ModelDimension, c = model.Config.ContextLength;
        Assert.Equal((int)model.ParameterCount, d.Dimension);
        // Positions past T are never seen by the stripped queries: (C − T)·d coordinates no context moves, at least.
        Assert.True(d.FrozenCoordinates >= (c - 4) * dModel, $"{d.FrozenCoordinates} frozen");
        var table = d.BlockTable();
        bool Zero(string family, string block)
        {
            for (long i = 0; i < table.Rows.Count; i++)
                if ((string)table["family"][i] == family && (string)table["block"][i] == block) return (bool)table["exactly_zero"][i];
            throw new InvalidOperationException($"no row {family} / {block}");
        }
        Assert.True(Zero("garage", $"position_embedding.weight[5..{c}]"));
        Assert.False(Zero("garage", "position_embedding.weight[1..4]"));
        // A family's contexts never touch the other family's token embeddings (the seminar's disjoint weights).
        Assert.True(Zero("garage", "token_embedding.weight[zoo]"));
        Assert.True(Zero("zoo", "token_embedding.weight[garage]"));
        Assert.False(Zero("garage", "token_embedding.weight[garage]"));
        foreach (var s in d.Spectra)
        {
            Assert.True(s.Rank99 >= 1 && s.Rank99 <= s.Contexts);
            Assert.InRange(s.EntropyRank, 1 - 1e-9, s.Contexts + 1e-9);
            Assert.True(s.SingularValues.Zip(s.SingularValues.Skip(1)).All(p => p.First >= p.Second));
        }
        Assert.Equal(4, d.Spectra[^1].Contexts);
        // Each family alone freezes its own fibres too: more coordinates than all contexts together.
        Assert.True(d.Spectra[0].FrozenCoordinates > d.Spectra[^1].FrozenCoordinates);
        for (int i = 0; i < d.Cosines.Length; i++) Assert.Equal(1.0, d.Cosines[i][i], 12);
        Assert.All(d.ReplicateCosines!, x => Assert.InRange(x, -1, 1));
        Assert.Equal(4, d.ReplicateCosines!.Length);
        Assert.Equal(d.Spectra.Count, d.SpectrumTable().Rows.Count);
        Assert.NotEmpty(d.BlockFigure().Traces);
        var shares = d.Blocks.GroupBy(b => b.Context).Select(g => g.Sum(b => b.Share));
        Assert.All(shares, s => Assert.Equal(1.0, s, 9));
    }
}
