using Slt.Model;
using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// A fitted, query-independent context map: for a context C of task k, the weights
/// w' = argmin over a named <see cref="ParameterSubset"/> of mean_x mean_l KL(p(· | C ⊕ x_{1..l}, w) ‖ p(· | x_{1..l}, w')),
/// found by Adam from w' = w, so the "daughter" at w' predicts on the stripped queries as the mother does with C in
/// front. Coordinates outside the subset stay at w.
/// </summary>
/// <remarks>
/// <para>Which predictions: after every position l = 1..T of each training query x (T predictions per query), not only
/// after the last. The hypothesis is stated for every input x, and each prefix x_{1..l} of a query continuing the task
/// after C is itself such an input, so the prefixes are the natural query set; they also give T times the data per
/// forward pass. The daughter sees x at positions 1..T, the mother at positions m+1..m+T.</para>
/// <para>The fit is deterministic: same mother, queries, subset and settings, same w' (for a fixed libtorch thread
/// count). <see cref="ContextMapDaughter.Evaluate"/> reports R on held-out queries.</para>
/// </remarks>
public static class FittedContextMap
{
    /// <summary>Fits w' for the context of <paramref name="train"/> on its queries.</summary>
    /// <exception cref="ArgumentException">An unknown parameter in <paramref name="subset"/>, or queries that do not fit the model.</exception>
    public static ContextMapDaughter Fit(Transformer mother, ContextualQueries train, ParameterSubset subset, ContextFitSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(mother);
        ArgumentNullException.ThrowIfNull(train);
        CheckFits(mother, train);
        var device = mother.parameters().First().device;
        using var scope = NewDisposeScope();
        Tensor target;
        using (no_grad())
        {
            bool wasTraining = mother.training;
            mother.eval();
            target = mother.LogProbabilities(train.PrefixedTensor(device))[.., TensorIndex.Slice(train.ContextLength), ..];
            if (wasTraining) mother.train();
        }
        return FitToTeacher(mother, train.StrippedTensor(device), target, subset, settings);
    }

    /// <summary>
    /// The fit against any teacher: minimises mean_{i,l} KL(teacher_{i,l} ‖ p(· | x_{i,1..l}, w')) over the subset from
    /// w' = w, where <paramref name="teacherLogProbabilities"/> [n, T, |S|] holds the teacher's log-probabilities after
    /// each position of the queries <paramref name="queries"/> [n, T]. (The context map's teacher is the mother with C
    /// in front; a known answer is a teacher that is the same model at other weights.)
    /// </summary>
    public static ContextMapDaughter FitToTeacher(Transformer model, Tensor queries, Tensor teacherLogProbabilities, ParameterSubset subset, ContextFitSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(subset);
        var s = (settings ?? new ContextFitSettings()).Validate();
        if (queries.dim() != 2 || teacherLogProbabilities.dim() != 3 || teacherLogProbabilities.shape[0] != queries.shape[0]
            || teacherLogProbabilities.shape[1] != queries.shape[1] || teacherLogProbabilities.shape[2] != model.Config.VocabularySize)
            throw new ArgumentException(
                $"teacher log-probabilities [{string.Join(", ", teacherLogProbabilities.shape)}] must be [n, T, |S|] for queries [{string.Join(", ", queries.shape)}] and |S| = {model.Config.VocabularySize}.",
                nameof(teacherLogProbabilities));
        var names = subset.Resolve(model);
        var daughter = ModelCopies.Copy(model);
        var chosen = new HashSet<string>(names, StringComparer.Ordinal);
        var trainable = new List<TorchSharp.Modules.Parameter>();
        foreach (var (name, p) in daughter.named_parameters())
        {
            bool fit = chosen.Contains(name);
            p.requires_grad = fit;
            if (fit) trainable.Add(p);
        }
        var losses = new double[s.Steps + 1];
        using (var scope = NewDisposeScope())
        {
            var logTeacher = teacherLogProbabilities.detach().to_type(daughter.parameters().First().dtype);
            var teacher = logTeacher.exp();
            // The teacher's entropy term, constant in w': KL = Σ p log p − Σ p log q.
            var negativeEntropy = (teacher * logTeacher).sum(-1).mean();
            using var optimizer = new ScalarSafeAdam(trainable, s.LearningRate);   // not optim.Adam: its per-step Scalar temporaries crash parallel fits
            for (int step = 0; step <= s.Steps; step++)
            {
                using var inner = NewDisposeScope();
                var crossEntropy = (teacher * daughter.LogProbabilities(queries)).sum(-1).mean().neg();
                var loss = negativeEntropy.Plus(crossEntropy);
                losses[step] = loss.to_type(ScalarType.Float64).item<double>();
                if (!double.IsFinite(losses[step]))
                    throw new InvalidOperationException($"The fit's loss became {losses[step]} at step {step}; lower the learning rate (now {s.LearningRate}).");
                if (step == s.Steps) break;
                optimizer.LearningRate = s.LearningRateAt(step);
                optimizer.ZeroGrad();
                crossEntropy.backward();
                optimizer.Step();
            }
        }
        foreach (var p in daughter.parameters()) p.requires_grad = false;
        return new ContextMapDaughter(model, daughter, names, subset, s, losses);
    }

    internal static void CheckFits(Transformer model, ContextualQueries queries)
    {
        if (queries.Truth.Vocabulary.Count != model.Config.VocabularySize || queries.ContextLength + queries.QueryLength > model.Config.ContextLength)
            throw new ArgumentException(
                $"The queries (|S| = {queries.Truth.Vocabulary.Count}, m + T = {queries.ContextLength + queries.QueryLength}) do not fit the model (|S| = {model.Config.VocabularySize}, C = {model.Config.ContextLength}).",
                nameof(queries));
    }
}
