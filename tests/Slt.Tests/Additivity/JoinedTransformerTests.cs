using Slt.Additivity;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Training;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Additivity;

/// <summary>
/// The joined transformer (one part per family, windows routed by their words) and the additivity of its learning
/// coefficient: routing is exact (the joined model's logits on a family-f window are part f's, bit for bit, and no
/// gradient reaches the other part), the parameter names partition into the parts', bad windows are refused by name,
/// and λ̂(whole) = Σ_f λ̂(part f) at n_f β with the whole's β, while taking the parts at their own n_f / log n_f breaks it.
/// </summary>
public sealed class JoinedTransformerTests
{
    private static readonly CorpusSpec Corpus = CorpusSpec.Default with { TasksPerFamily = 4, ContextLength = 12 };

    private static JoinedTransformer Tiny(long seed, int d = 8)
    {
        var vocabulary = new Vocabulary(Corpus);
        var config = new TransformerConfig(vocabulary.Count, Corpus.ContextLength, ModelDimension: d, Layers: 1, Heads: 2);
        var parts = Enumerable.Range(0, 2).Select(f =>
        {
            var t = new Transformer(config, seed * 10 + f);
            t.to(ScalarType.Float64);
            // larger weights than the N(0, 0.02²) initialisation, so the parts' logits are far from uniform and differ
            using (no_grad())
            using (var g = new Generator((ulong)(seed * 100 + f)))
                foreach (var p in t.parameters()) p.add_(randn(p.shape, dtype: ScalarType.Float64, generator: g) * 0.3);
            t.eval();
            return t;
        }).ToArray();
        return new JoinedTransformer(vocabulary, parts);
    }

    /// <summary>w* fitted to the sample: full-batch Adam on the joined model's loss of all windows (each part learns its
    /// family's), so that w* is near a local minimum of L_n, where the LLC is defined.</summary>
    private static void Fit(JoinedTransformer model, WindowSample sample, int steps = 300)
    {
        using var optimizer = optim.Adam(model.parameters(), lr: 0.03);
        var windows = sample.ToTensor();
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Slt.Losses.NextTokenLoss.PerWindow(model, windows).mean().backward();
            optimizer.step();
        }
    }

    private static WindowSample Sample(int n, long seed) => new CorpusGenerator(new TrueDistribution(Corpus)).Sample(n, seed);

    [Fact]
    public void RoutingIsExactAndNoGradientReachesTheOtherPart()
    {
        TorchRuntime.Initialize(1);
        using var model = Tiny(1);
        var sample = Sample(24, 3);
        var partition = FamilyPartition.Of(sample);
        Assert.True(partition.CountOf(0) > 0 && partition.CountOf(1) > 0, "the sample must mix the families");
        using var scope = NewDisposeScope();
        var windows = sample.ToTensor();
        Assert.Equal(partition.FamilyOfWindow.ToArray(), model.Route(windows));
        var joined = model.forward(windows);
        Assert.Equal(new long[] { 24, Corpus.ContextLength, model.VocabularySize }, joined.shape);
        for (int f = 0; f < 2; f++)
        {
            var rows = tensor(partition.WindowsOf(f).Select(i => (long)i).ToArray(), dtype: int64);
            var part = model.Parts[f].forward(windows.index_select(0, rows));
            double same = (joined.index_select(0, rows) - part).abs().max().item<double>();
            Assert.True(same == 0, $"family {f}: the joined logits differ from the part's on the same sub-batch by {same}");
            // and against each window alone (another batch shape): equal to rounding
            foreach (int i in partition.WindowsOf(f).Take(3))
            {
                double diff = (joined[i] - model.Parts[f].forward(windows[i].unsqueeze(0))[0]).abs().max().item<double>();
                Assert.True(diff < 1e-12, $"window {i}: |joined − part| = {diff}");
            }
            // the other part's output on these windows is something else (the test has power)
            var other = model.Parts[1 - f].forward(windows.index_select(0, rows));
            Assert.True((other - part).abs().max().item<double>() > 1e-3);
        }

        // gradient of the loss of family-0 windows (taken on the mixed batch): zero for every zoo weight, not for garage's
        model.zero_grad();
        var garageRows = tensor(partition.WindowsOf(0).Select(i => (long)i).ToArray(), dtype: int64);
        var loss = Slt.Losses.NextTokenLoss.PerWindow(model, windows).index_select(0, garageRows).sum();
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
        {
            double g = p.grad is { } grad ? grad.abs().max().item<double>() : 0;
            if (name.StartsWith("zoo.")) Assert.True(g == 0, $"{name} has gradient {g} from garage windows");
        }
        Assert.Contains(model.named_parameters(), p => p.name.StartsWith("garage.") && p.parameter.grad is { } gr && gr.abs().max().item<double>() > 0);
    }

    [Fact]
    public void TheRoutingCheckReportsExactRoutingAndNoForeignGradient()
    {
        TorchRuntime.Initialize(1);
        using var model = Tiny(2);
        var check = JoinedRoutingCheck.Of(model, Sample(24, 5));
        Assert.Equal(24, check.Windows);
        Assert.Equal(0, check.MaxRoutedDifference);
        Assert.Equal(0, check.MaxForeignGradient);
        Assert.True(check.MinOtherPartDifference > 1e-3, check.ToString());
        Assert.Contains("24 windows", check.ToString());
        var garageOnly = new CorpusGenerator(new TrueDistribution(Corpus, family: 0)).Sample(8, 1);
        Assert.Contains("no window of family zoo", Assert.Throws<ArgumentException>(() => JoinedRoutingCheck.Of(model, garageOnly)).Message);
    }

    [Fact]
    public void ParameterNamesPartitionIntoTheParts()
    {
        TorchRuntime.Initialize(1);
        using var model = Tiny(2);
        var all = model.named_parameters().Select(p => p.name).ToArray();
        var garage = model.ParameterNamesOf(0);
        var zoo = model.ParameterNamesOf(model.FamilyIndex("zoo"));
        Assert.Empty(garage.Intersect(zoo));
        Assert.Equal(all.OrderBy(n => n), garage.Concat(zoo).OrderBy(n => n));
        Assert.Equal(model.Parts[0].named_parameters().Select(p => "garage." + p.name), garage);
        Assert.Contains("zoo.token_embedding.weight", zoo);
        Assert.Equal(model.Parts[0].ParameterCount + model.Parts[1].ParameterCount, model.parameters().Sum(p => p.numel()));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ParameterNamesOf(2));
        Assert.Throws<ArgumentException>(() => model.FamilyIndex("farm"));

        using var copy = model.SameArchitecture();
        Assert.Equal(all, copy.named_parameters().Select(p => p.name));
        Assert.Equal(ScalarType.Float64, copy.parameters().First().dtype);
    }

    [Fact]
    public void BadWindowsAndBadPartsGetClearErrors()
    {
        TorchRuntime.Initialize(1);
        using var model = Tiny(3);
        var v = model.Vocabulary;
        long[] Ids(string text) => v.Encode(text).Select(i => (long)i).ToArray();
        var connectives = tensor(Ids("and , then , and , then , and , then ,"), [1, 12], dtype: int64);
        var e1 = Assert.Throws<ArgumentException>(() => model.forward(connectives));
        Assert.Contains("no family word", e1.Message);
        var mixed = tensor(Ids("red toyota and happy cat , blue ford then tiny dog and").Concat(Ids("red toyota and blue ford , red toyota and blue ford ,")).ToArray(), [2, 12], dtype: int64);
        var e2 = Assert.Throws<ArgumentException>(() => model.forward(mixed));
        Assert.Contains("two families (garage and zoo)", e2.Message);
        Assert.Contains("Window 0", e2.Message);
        Assert.Equal(0, model.Route(v.Encode("red toyota and blue")));
        Assert.Equal(1, model.Route(v.Encode(", happy cat")));

        var config = new TransformerConfig(v.Count, Corpus.ContextLength, ModelDimension: 8, Layers: 1, Heads: 2);
        using var one = new Transformer(config);
        Assert.Contains("one part per family", Assert.Throws<ArgumentException>(() => new JoinedTransformer(v, [one])).Message);
        Assert.Contains("same model", Assert.Throws<ArgumentException>(() => new JoinedTransformer(v, [one, one])).Message);
        using var small = new Transformer(config with { VocabularySize = v.Count - 3 });
        Assert.Contains("whole token set", Assert.Throws<ArgumentException>(() => new JoinedTransformer(v, [one, small])).Message);
    }

    [Fact]
    public void AFamilysTruthAndRecipeKeepToItsWords()
    {
        var truth = new TrueDistribution(Corpus, family: 1);
        Assert.Equal(1.0, truth.Prior.ToArray().Sum(), 12);
        Assert.All(Enumerable.Range(0, truth.TaskCount), k => Assert.Equal(k % 2 == 1, truth.Prior[k] > 0));
        var sample = new CorpusGenerator(truth).Sample(64, 5);
        Assert.All(FamilyPartition.Of(sample).FamilyOfWindow, f => Assert.Equal(1, f));
        // conditioning changes the prior's ratios not at all within the family
        var whole = new TrueDistribution(Corpus);
        Assert.Equal(whole.Prior[1] / whole.Prior[3], truth.Prior[1] / truth.Prior[3], 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrueDistribution(Corpus, family: 2));

        var recipe = TrainingRunConfig.Default.OnFamily("zoo");
        Assert.Equal(1, recipe.FamilyIndex);
        Assert.DoesNotContain("\"family\"", TrainingRunConfig.Default.ToJson()); // the default recipe's hash is unchanged
        Assert.NotEqual(TrainingRunConfig.Default.ContentHash(), recipe.ContentHash());
        var back = TrainingRunConfig.FromJson(recipe.ToJson(), ".");
        Assert.Equal("zoo", back.Family);
        Assert.Equal(recipe.ContentHash(), back.ContentHash());
        Assert.Contains("not a family", Assert.Throws<ArgumentException>(() => TrainingRunConfig.Default.OnFamily("farm")).Message);
        Assert.Equal("garage", FamilyParts.DefaultRecipe("garage").Family);
    }

    /// <summary>
    /// λ̂(whole) = λ̂(garage) + λ̂(zoo) at n_f β (the joined posterior is the product of the parts'), at a w* fitted to the
    /// sample, for three seeds: each gap within 4 combined standard errors and the pooled gap within 3 pooled standard
    /// errors. With n = 16 windows (n_f ≈ 8), the wrong temperature, the parts at n_f / log n_f (nβ_f × log n / log n_f
    /// ≈ 1.33), moves the sum by about a third (λ̂ grows with nβ where the localization dominates): with it (the same whole)
    /// the pooled gap exceeds 3 pooled standard errors (the check has power).
    /// </summary>
    [Fact]
    public void TheLearningCoefficientAddsOverDisjointWeightsAtTheWholesBeta()
    {
        TorchRuntime.Initialize(1);
        var settings = new SgldSettings { StepSize = 3e-4, Localization = 300, Chains = 4, BurnIn = 40, Draws = 60, StepsBetweenDraws = 2, MalaEvery = 10 };
        var right = new List<JoinedAdditivity>();
        var wrong = new List<JoinedAdditivity>();
        foreach (long seed in new long[] { 1, 2, 3 })
        {
            using var model = Tiny(10 + seed, d: 4);
            var sample = Sample(16, 100 + seed);
            Fit(model, sample);
            var r = JoinedAdditivity.Estimate(model, sample, settings with { Seed = seed * 10 });
            Assert.True(r.Gap is not null, $"seed {seed}: a run diverged: {r.Whole.Verdict} | {string.Join(" | ", r.Parts.Select(p => p.Verdict))}");
            Assert.True(Math.Abs(r.Gap!.Value) <= 4 * r.GapStandardError!.Value, $"seed {seed}: {r.Summary()}");
            var partition = FamilyPartition.Of(sample);
            Assert.Equal(sample.Count / Math.Log(sample.Count), r.Whole.NBeta, 12);
            Assert.Equal(partition.PartNBeta(0), r.Parts[0].NBeta, 12);
            Assert.Equal(model.Parts[1].ParameterCount, r.Parts[1].SampledDimension);
            Assert.Equal(model.Parts[0].ParameterCount + model.Parts[1].ParameterCount, r.Whole.SampledDimension);
            right.Add(r);
            var own = Enumerable.Range(0, 2).Select(f => JoinedAdditivity.EstimatePart(model, partition, f, settings with { Seed = seed * 10 + 5 }, PartTemperature.OwnSampleSize)).ToArray();
            Assert.Equal(partition.CountOf(1) / Math.Log(partition.CountOf(1)), own[1].NBeta, 12);
            wrong.Add(r with { Parts = own, Temperature = PartTemperature.OwnSampleSize });
        }
        static (double Gap, double Se) Pooled(List<JoinedAdditivity> rs) =>
            (rs.Average(r => r.Gap!.Value), Math.Sqrt(rs.Sum(r => r.GapStandardError!.Value * r.GapStandardError.Value)) / rs.Count);
        var (gap, se) = Pooled(right);
        Assert.True(Math.Abs(gap) <= 3 * se, $"pooled gap {gap:F3} ± {se:F3}; whole {right.Average(r => r.Whole.Mean!.Value):F3}");
        var (wrongGap, wrongSe) = Pooled(wrong);
        Assert.True(Math.Abs(wrongGap) > 3 * wrongSe, $"parts at n_f / log n_f: pooled gap {wrongGap:F3} ± {wrongSe:F3} should be far from 0");
        Console.WriteLine($"[joined additivity] right: gap {gap:F3} ± {se:F3} (whole {right.Average(r => r.Whole.Mean!.Value):F3}); own n_f/log n_f: gap {wrongGap:F3} ± {wrongSe:F3}");
        Assert.Equal(5, right[0].ToDataFrame().Rows.Count);
        Assert.Contains("gap", right[0].Summary());
        Assert.Equal(4, right[0].ToFigure().Traces[0] is Slt.Presentation.BarTrace b ? b.Categories.Length : 0);
        var json = right[0].ToJson();
        Assert.Equal(right[0].Verdict.ToString(), json["verdict"]!.GetValue<string>());
        Assert.Equal(right[0].Gap!.Value, json["gap"]!.GetValue<double>(), 12);
        Assert.Equal(2, json["parts"]!.AsArray().Count);

        // the cache's JSON round trip keeps every number
        string directory = Path.Combine(Path.GetTempPath(), $"slt-joined-{Guid.NewGuid():N}");
        try
        {
            Slt.Contexts.ContextResultCache.GetOrCompute("joined-additivity", "k", () => right[0], directory);
            var (cached, fromCache) = Slt.Contexts.ContextResultCache.GetOrCompute<JoinedAdditivity>("joined-additivity", "k", () => throw new InvalidOperationException("not cached"), directory);
            Assert.True(fromCache);
            Assert.Equal(right[0].Gap, cached.Gap);
            Assert.Equal(right[0].Parts[1].PerChain, cached.Parts[1].PerChain);
            Assert.Equal(right[0].Whole.Trust, cached.Whole.Trust);
            Assert.Equal(right[0].Families, cached.Families);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
