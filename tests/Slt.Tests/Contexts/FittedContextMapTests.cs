using Slt.Contexts;
using Slt.Model;
using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Tests.Contexts;

/// <summary>The fitted, query-independent context map: a known answer, the restriction to a subset, determinism, R's definition.</summary>
public sealed class FittedContextMapTests
{
    /// <summary>mean over queries and positions of KL(teacher ‖ student), with the student's log-probabilities on <paramref name="queries"/>.</summary>
    private static double MeanKl(Tensor teacherLog, Transformer student, Tensor queries)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var s = student.LogProbabilities(queries).to_type(ScalarType.Float64);
        var t = teacherLog.to_type(ScalarType.Float64);
        return (t.exp() * (t - s)).sum(-1).mean().item<double>();
    }

    /// <summary>A teacher that is the same model at other weights inside <paramref name="names"/> (w* = w + δ).</summary>
    private static Transformer Teacher(Transformer model, IEnumerable<string> names, double scale, long seed)
    {
        var teacher = ModelCopies.Copy(model);
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (string name in names)
        {
            var p = ModelCopies.Parameter(teacher, name);
            p.add_(randn(p.shape, generator: generator).mul_(scale * (p.abs().mean().item<float>() + 0.05)));
        }
        return teacher;
    }

    [Fact]
    public void AFitRecoversATeacherThatIsTheModelAtOtherWeightsWithinTheSubset()
    {
        var model = ContextModels.Trained;
        var subset = ParameterSubset.LastMlp;
        using var teacher = Teacher(model, subset.Resolve(model), 0.5, 17);
        var train = ContextualQueries.Draw(ContextModels.Truth, 0, 4, 8, 96, seed: 1);
        var test = train.WithQueries(64, seed: 2);
        using var trainQueries = train.StrippedTensor();
        using var testQueries = test.StrippedTensor();
        using var trainTeacher = teacher.LogProbabilities(trainQueries).detach();
        using var testTeacher = teacher.LogProbabilities(testQueries).detach();
        var settings = new ContextFitSettings(Steps: 300, LearningRate: 1e-2);
        using var fit = FittedContextMap.FitToTeacher(model, trainQueries, trainTeacher, subset, settings);
        double before = MeanKl(testTeacher, model, testQueries);
        double after = MeanKl(testTeacher, fit.Daughter, testQueries);
        Assert.True(before > 1e-3, $"the teacher should differ from the model (KL {before:E2})");
        Assert.True(after / before < 0.05, $"R = {after / before:F4} on held-out queries; the fit should recover the teacher (KL {before:E2} → {after:E2}).");
        Assert.True(fit.FinalLoss < 0.05 * fit.Losses[0]);
        // A subset that cannot express the teacher's change (the final LayerNorm's 2d numbers) does far worse.
        using var weak = FittedContextMap.FitToTeacher(model, trainQueries, trainTeacher, new ParameterSubset("final-norm"), settings);
        double weakRatio = MeanKl(testTeacher, weak.Daughter, testQueries) / before;
        Assert.True(weakRatio > 4 * (after / before), $"final-norm R = {weakRatio:F4} against last-mlp R = {after / before:F4}");
    }

    [Fact]
    public void TheFitMovesOnlyItsSubsetAndNothingTheQueriesCannotReach()
    {
        var model = ContextModels.Trained;
        var data = ContextualQueries.Draw(ContextModels.Truth, 1, 6, 5, 16, seed: 3);
        var settings = new ContextFitSettings(Steps: 20, LearningRate: 1e-2);
        using (var fit = FittedContextMap.Fit(model, data, ParameterSubset.LastMlp, settings))
        {
            Assert.Equal(new[] { "blocks.1.mlp.0.weight", "blocks.1.mlp.0.bias", "blocks.1.mlp.2.weight", "blocks.1.mlp.2.bias" }, fit.ParameterNames);
            foreach (var (name, p) in model.named_parameters())
            {
                var q = ModelCopies.Parameter(fit.Daughter, name);
                bool same = p.eq(q).all().item<bool>();
                Assert.True(same == !fit.ParameterNames.Contains(name), $"{name}: unchanged = {same}");
            }
        }
        using (var full = FittedContextMap.Fit(model, data, ParameterSubset.Full, settings))
        {
            // Positions past T and the other family's token rows get no gradient: they stay at w exactly.
            var updates = full.Updates().ToDictionary(u => u.Name, u => u.Update);
            Assert.Equal(0.0, updates["position_embedding.weight"][TensorIndex.Slice(5)].abs().max().item<double>());
            Assert.True(updates["position_embedding.weight"][TensorIndex.Slice(0, 5)].abs().max().item<double>() > 0);
            var vocabulary = ContextModels.Truth.Vocabulary;
            int family = data.Family;
            for (int t = 0; t < vocabulary.Count; t++)
            {
                double moved = updates["token_embedding.weight"][t].abs().max().item<double>();
                if (vocabulary.FamilyOf[t] >= 0 && vocabulary.FamilyOf[t] != family) Assert.Equal(0.0, moved);
            }
            foreach (var (_, u) in updates) u.Dispose();
        }
    }

    [Fact]
    public void TheFitIsDeterministic()
    {
        var model = ContextModels.Trained;
        var settings = new ContextFitSettings(Steps: 15, LearningRate: 3e-3);
        ContextMapDaughter Run(long seed) => FittedContextMap.Fit(model, ContextualQueries.Draw(ContextModels.Truth, 0, 3, 6, 8, seed), ParameterSubset.Full, settings);
        using var a = Run(5);
        using var b = Run(5);
        using var c = Run(6);
        Assert.Equal(a.Losses, b.Losses);
        foreach (var (name, p) in a.Daughter.named_parameters()) Assert.True(p.eq(ModelCopies.Parameter(b.Daughter, name)).all().item<bool>(), name);
        Assert.NotEqual(a.Losses, c.Losses);
    }

    [Fact]
    public void UnknownParameterNamesAreClearErrors()
    {
        var model = ContextModels.Trained;
        var data = ContextualQueries.Draw(ContextModels.Truth, 0, 2, 2, 2, seed: 1);
        foreach (string bad in new[] { "nosuch", "blocks.1.mlp.9.weight", "mlp-7", "full,blocks.3" })
        {
            var e = Assert.Throws<ArgumentException>(() => FittedContextMap.Fit(model, data, new ParameterSubset(bad)));
            Assert.Contains($"'{bad.Split(',')[^1]}'", e.Message);
            Assert.Contains("last-mlp", e.Message); // the message lists the aliases
        }
        Assert.Throws<ArgumentException>(() => new ParameterSubset(" ").Resolve(model));
        Assert.Equal(model.named_parameters().Count(), ParameterSubset.Full.Resolve(model).Count);
        Assert.Equal(8, new ParameterSubset("attention-0").Resolve(model).Count);
        Assert.Equal(new[] { "unembedding.weight", "unembedding.bias" }, new ParameterSubset("unembedding").Resolve(model));
        Assert.Equal(new ParameterSubset("blocks.1.mlp").Resolve(model), ParameterSubset.LastMlp.Resolve(model));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContextFitSettings(Steps: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContextFitSettings(LearningRate: 0).Validate());
    }

    [Fact]
    public void RIsOneForTheUnchangedModelAndTheTruthKlsAreExact()
    {
        using var model = ModelCopies.Copy(ContextModels.Trained, ScalarType.Float64);
        var data = ContextualQueries.Draw(ContextModels.Truth, 1, 5, 4, 6, seed: 9);
        var e = ContextFitEvaluation.Of(model, model, data);
        Assert.Equal(1.0, e.R, 12);
        Assert.Equal(0.0, e.RSe, 12);
        Assert.Equal(e.KlNoChange, e.KlFit, 15);
        Assert.Equal(e.ZeroShotTruthKl, e.DaughterTruthKl, 15);
        Assert.True(e.KlNoChange > 0);
        // KL(q(· | C ⊕ x) ‖ p(· | C ⊕ x, w)) by hand, from the truth's conditionals and the model's log-probabilities.
        int v = ContextModels.Truth.Vocabulary.Count;
        double total = 0;
        using (no_grad())
            for (int i = 0; i < data.Count; i++)
            {
                var prefixed = data.Prefixed(i);
                using var logp = model.LogProbabilities(tensor(prefixed.Select(t => (long)t).ToArray(), [1, prefixed.Length]));
                for (int l = 1; l <= data.QueryLength; l++)
                {
                    var q = ContextModels.Truth.Conditional(prefixed[..(data.ContextLength + l)]);
                    var p = logp[0, data.ContextLength + l - 1].data<double>().ToArray();
                    for (int y = 0; y < v; y++) if (q[y] > 0) total += q[y] * (Math.Log(q[y]) - p[y]);
                }
            }
        Assert.Equal(total / (data.Count * data.QueryLength), e.MotherTruthKl, 12);
    }

    [Fact]
    public void TheContextMapFitImprovesHeldOutQueriesAndEndsFlat()
    {
        var model = ContextModels.Trained;
        var train = ContextualQueries.Draw(ContextModels.Truth, 0, 8, 8, 64, seed: 1);
        using var fit = FittedContextMap.Fit(model, train, ParameterSubset.Full, ContextFitSweepSettings.DefaultFit);
        var e = fit.Evaluate(train.WithQueries(48, seed: 2));
        Assert.True(e.R < 1 - 3 * e.RSe, $"R = {e.R:F3} ± {e.RSe:F3}");
        Assert.True(fit.TailDrop < 0.05, $"the last tenth of the steps still took {fit.TailDrop:P1} of the decrease");
        Assert.Throws<ArgumentException>(() => FittedContextMap.Fit(model, ContextualQueries.Draw(new Slt.Truth.TrueDistribution(Slt.Truth.CorpusSpec.Default with { ContextLength = 40 }), 0, 20, 20, 2, 1), ParameterSubset.Full));
    }
}
