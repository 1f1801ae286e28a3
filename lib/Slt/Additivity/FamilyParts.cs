using Slt.Model;
using Slt.Platform;
using Slt.Training;
using Slt.Truth;

namespace Slt.Additivity;

/// <summary>
/// The parts of a <see cref="JoinedTransformer"/>: one transformer per family, each trained on its family's windows only
/// (<see cref="TrainingRunConfig.Family"/>), over the full vocabulary, and cached by <see cref="TrainedModelCache"/>.
/// </summary>
public static class FamilyParts
{
    /// <summary>
    /// The default part recipe for a family of the default corpus: the default recipe on that family's windows, with a
    /// cheaper model and schedule (d = 32, 2 layers, 4 heads; 500 steps of 32 windows at a peak rate of 6e−3 after 50 warm-up
    /// steps). Measured 2026-12-03 on the shared 2-core machine (garage): 19.5 CPU seconds (42 s of wall time under
    /// load), 29 555 weights, final loss 2.290 nats per token against the family's Bayes loss, Σ_l K^l = 3.32 nats per
    /// window, 55 % of the in-context gain S^1 − S^last captured (the default architecture, d = 64, 600 steps of 64:
    /// 55 CPU seconds, K = 1.72, 77 %). Additivity is an identity of the joined posterior, not a property of well-trained
    /// parts, so the cheap recipe serves.
    /// </summary>
    public static TrainingRunConfig DefaultRecipe(string family) =>
        (TrainingRunConfig.Default with
        {
            Model = TrainingRunConfig.Default.Model with { ModelDimension = 32 },
            Training = TrainingRunConfig.Default.Training with { Steps = 500, BatchSize = 32, LearningRate = 6e-3, WarmupSteps = 50 },
        }).OnFamily(family);

    /// <summary>Trains (or loads from the cache) one part per family and joins them; float32, eval mode.</summary>
    /// <param name="recipes">One recipe per family of the corpus, in family order, each with <see cref="TrainingRunConfig.Family"/> set to that family.</param>
    /// <param name="directory">The training cache (default <see cref="TrainedModelCache.DefaultDirectory"/>).</param>
    /// <exception cref="ArgumentException">The recipes do not name the corpus's families in order, or use different corpora.</exception>
    public static (JoinedTransformer Model, IReadOnlyList<TrainingRun> Runs) TrainOrLoad(IReadOnlyList<TrainingRunConfig> recipes, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(recipes);
        if (recipes.Count == 0) throw new ArgumentException("Give one recipe per family.", nameof(recipes));
        var corpus = recipes[0].Corpus;
        if (recipes.Count != corpus.Families.Count)
            throw new ArgumentException($"Give one recipe per family: the corpus has {corpus.Families.Count}, got {recipes.Count}.", nameof(recipes));
        for (int f = 0; f < recipes.Count; f++)
        {
            if (recipes[f].Corpus != corpus && recipes[f].Corpus.ToJson() != corpus.ToJson())
                throw new ArgumentException($"recipes[{f}] uses another corpus than recipes[0]: the parts must share one vocabulary.", nameof(recipes));
            if (recipes[f].Family != corpus.Families[f].Name)
                throw new ArgumentException($"recipes[{f}] trains on family '{recipes[f].Family ?? "(all)"}', expected '{corpus.Families[f].Name}'.", nameof(recipes));
        }
        TorchRuntime.Initialize();
        var parts = new List<Transformer>();
        var runs = new List<TrainingRun>();
        foreach (var recipe in recipes)
        {
            var (model, run) = TrainedModelCache.GetOrTrain(recipe, directory);
            model.eval();
            parts.Add(model);
            runs.Add(run);
        }
        return (new JoinedTransformer(new Vocabulary(corpus), parts), runs);
    }

    /// <summary>The default parts (<see cref="DefaultRecipe"/>) of the default corpus, joined.</summary>
    public static (JoinedTransformer Model, IReadOnlyList<TrainingRun> Runs) TrainOrLoadDefault(string? directory = null) =>
        TrainOrLoad(CorpusSpec.Default.Families.Select(f => DefaultRecipe(f.Name)).ToArray(), directory);
}
