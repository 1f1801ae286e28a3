using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Analysis;
using Slt.Model;
using Slt.Platform;
using Slt.Training;
using Slt.Presentation;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>
/// What a fitted context map's updates look like across contexts: for several contexts of each family (one context from
/// each of the family's most frequent tasks) the fitted update Δ_C = w'_C − w, which named blocks it moves, and the
/// effective numerical rank of the stacked updates.
/// </summary>
/// <remarks>
/// <para>Blocks are the model's parameter tensors, with the rows of the embeddings and the unembedding split by what
/// they belong to: the token embedding and the unembedding by family (and the connectives), the position embedding into
/// positions the stripped queries occupy (1..T) and positions they never reach (T+1..C).</para>
/// <para>Rank: the singular values σ₁ ≥ σ₂ ≥ … of the J × P matrix whose rows are the Δ_C of J contexts; the 99%-energy
/// rank is the least r with Σ_{i≤r} σ_i² ≥ 0.99 Σ σ_i², the entropy rank is exp(−Σ p_i log p_i), p_i = σ_i²/Σσ².
/// Both are at most J: a rank well below J says the contexts' updates share a few directions of weight space.</para>
/// <para>What this is not: it is not the rank of the Jacobian dF_C/dw (that needs F_C at neighbouring w, which a fit
/// from one w does not give), and w' is one minimiser of a degenerate objective (Adam from w picks it; the set of
/// equally good w' is larger), so a block with a small update is a block the fit did not need, not a proven fibre
/// direction. Exactly zero updates are different: a coordinate the training queries cannot reach (an unseen token's
/// embedding row, a position past T) gets zero gradient and stays at w exactly; those directions are fibres of the
/// fitted map for this query set by construction.</para>
/// </remarks>
public static class FittedMapDegeneracy
{
    /// <summary>
    /// <see cref="Measure"/> at the final weights of <paramref name="recipe"/>'s training run (trained or loaded through
    /// <see cref="TrainedModelCache"/>), cached by recipe, settings and library build (<see cref="ContextResultCache"/>).
    /// </summary>
    public static DegeneracyResult ForTrainingRun(TrainingRunConfig recipe, DegeneracySettings? settings = null, string? directory = null,
        int? workers = null, bool useCache = true)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        TorchRuntime.Initialize();
        recipe.Validate();
        var truth = new TrueDistribution(recipe.Corpus);
        var s = (settings ?? new DegeneracySettings()).Validate(truth);
        string key = recipe.ToJson() + "\n" + JsonSerializer.Serialize(s with { Fit = s.FitSettings });
        return ContextResultCache.GetOrCompute("degeneracy", key, () =>
        {
            using var model = TrainedModelCache.GetOrTrain(recipe).Model;
            return Measure(model, truth, s, workers);
        }, directory, useCache).Result;
    }

    /// <summary>Fits <see cref="DegeneracySettings.ContextsPerFamily"/> contexts per family at <paramref name="model"/> and measures their updates.</summary>
    public static DegeneracyResult Measure(Transformer model, TrueDistribution truth, DegeneracySettings? settings = null, int? workers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(truth);
        var s = (settings ?? new DegeneracySettings()).Validate(truth);
        if (model.Config.VocabularySize != truth.Vocabulary.Count || model.Config.ContextLength != truth.ContextLength)
            throw new ArgumentException($"The model (|S| = {model.Config.VocabularySize}, C = {model.Config.ContextLength}) does not fit the corpus (|S| = {truth.Vocabulary.Count}, C = {truth.ContextLength}).", nameof(model));
        var subset = new ParameterSubset(s.Subset);
        var names = subset.Resolve(model);
        int families = truth.Vocabulary.FamilyNames.Count;
        var contexts = new List<ContextualQueries>();
        for (int f = 0; f < families; f++)
            foreach (int task in ContextualQueries.MostFrequentTasks(truth, f, s.ContextsPerFamily))
                contexts.Add(ContextualQueries.Draw(truth, task, s.ContextLength, s.QueryLength, s.TrainQueries, s.Seed));

        int count = contexts.Count;
        // Fits 0..J−1 are the contexts; fits J..2J−1 (with replicates) refit the same contexts on fresh training queries.
        var fits = s.Replicates ? [.. contexts, .. contexts.Select(c => c.WithQueries(s.TrainQueries, s.Seed + 2))] : contexts.ToArray();
        var all = new double[fits.Length][];
        var blockRows = new DegeneracyBlockRow[count][];
        var groups = BlockGroups(model, truth, names, s.QueryLength);
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers ?? ContextFitSweep.DefaultWorkers() };
        Parallel.For(0, fits.Length, options, j =>
        {
            using var scope = NewDisposeScope();
            using var mother = ModelCopies.Copy(model);
            using var fit = FittedContextMap.Fit(mother, fits[j], subset, s.FitSettings);
            var parts = fit.Updates();
            all[j] = parts.SelectMany(p => p.Update.flatten().data<double>().ToArray()).ToArray();
            if (j < count)
            {
                var byName = parts.ToDictionary(p => p.Name, p => p.Update);
                blockRows[j] = groups.Select(g =>
                {
                    double update = 0, weight = 0;
                    var w = ModelCopies.Parameter(mother, g.Parameter).detach().to_type(ScalarType.Float64).cpu();
                    var (u, wv) = g.Rows is null ? (byName[g.Parameter], w) : (byName[g.Parameter].index_select(0, tensor(g.Rows)), w.index_select(0, tensor(g.Rows)));
                    update = u.square().sum().item<double>();
                    weight = wv.square().sum().item<double>();
                    return new DegeneracyBlockRow(contexts[j].FamilyName, contexts[j].Task, j, g.Name, g.Entries, Math.Sqrt(update), Math.Sqrt(weight), 0);
                }).ToArray();
                double total = Math.Sqrt(blockRows[j].Sum(r => r.UpdateNorm * r.UpdateNorm));
                blockRows[j] = blockRows[j].Select(r => r with { Share = total > 0 ? r.UpdateNorm * r.UpdateNorm / (total * total) : 0 }).ToArray();
            }
        });

        var updates = all[..count];
        var replicateCosines = s.Replicates ? Enumerable.Range(0, count).Select(j => Cosine(all[j], all[count + j])).ToArray() : null;
        var spectra = new List<DegeneracySpectrum>();
        for (int f = 0; f <= families; f++)
        {
            var members = Enumerable.Range(0, count).Where(j => f == families || contexts[j].Family == f).ToArray();
            string label = f == families ? "all families" : truth.Vocabulary.FamilyNames[f];
            double crossCosine = 0;
            int pairs = 0;
            foreach (int a in members)
                foreach (int b in members)
                    if (a < b) { crossCosine += Cosine(updates[a], updates[b]); pairs++; }
            spectra.Add(Spectrum(label, members.Select(j => updates[j]).ToArray()) with
            {
                MeanCosine = pairs > 0 ? crossCosine / pairs : double.NaN,
                MeanReplicateCosine = replicateCosines is null ? double.NaN : members.Average(j => replicateCosines[j]),
            });
        }
        var cosines = new double[contexts.Count][];
        for (int a = 0; a < contexts.Count; a++)
        {
            cosines[a] = new double[contexts.Count];
            for (int b = 0; b < contexts.Count; b++) cosines[a][b] = Cosine(updates[a], updates[b]);
        }
        int dimension = updates[0].Length;
        int frozen = 0;
        for (int i = 0; i < dimension; i++)
            if (updates.All(u => u[i] == 0)) frozen++;
        return new DegeneracyResult(s, names, dimension, frozen,
            contexts.Select(c => $"{c.FamilyName} task {c.Task}").ToArray(), blockRows.SelectMany(r => r).ToArray(), spectra, cosines, replicateCosines);
    }

    private sealed record BlockGroup(string Name, string Parameter, long[]? Rows, long Entries);

    private static List<BlockGroup> BlockGroups(Transformer model, TrueDistribution truth, IReadOnlyList<string> names, int queryLength)
    {
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var vocabulary = truth.Vocabulary;
        var groups = new List<BlockGroup>();
        foreach (string name in names)
        {
            var shape = shapes[name];
            long perRow = shape.Length > 1 ? shape[1] : 1;
            bool byToken = name is "token_embedding.weight" or "unembedding.weight" or "unembedding.bias";
            if (byToken)
            {
                for (int f = -1; f < vocabulary.FamilyNames.Count; f++)
                {
                    var rows = Enumerable.Range(0, vocabulary.Count).Where(t => vocabulary.FamilyOf[t] == f && (f >= 0 || vocabulary.Roles[t] == TokenRole.Connective)).Select(t => (long)t).ToArray();
                    if (rows.Length == 0) continue;
                    string owner = f < 0 ? "connectives" : vocabulary.FamilyNames[f];
                    groups.Add(new BlockGroup($"{name}[{owner}]", name, rows, rows.Length * perRow));
                }
                continue;
            }
            if (name == "position_embedding.weight")
            {
                var seen = Enumerable.Range(0, queryLength).Select(i => (long)i).ToArray();
                var unseen = Enumerable.Range(queryLength, (int)shape[0] - queryLength).Select(i => (long)i).ToArray();
                groups.Add(new BlockGroup($"{name}[1..{queryLength}]", name, seen, seen.Length * perRow));
                if (unseen.Length > 0) groups.Add(new BlockGroup($"{name}[{queryLength + 1}..{shape[0]}]", name, unseen, unseen.Length * perRow));
                continue;
            }
            groups.Add(new BlockGroup(name, name, null, shape.Aggregate(1L, (a, b) => a * b)));
        }
        return groups;
    }

    private static DegeneracySpectrum Spectrum(string label, double[][] rows)
    {
        int j = rows.Length, p = rows[0].Length;
        using var scope = NewDisposeScope();
        var matrix = tensor(rows.SelectMany(r => r).ToArray(), [j, p], dtype: ScalarType.Float64);
        var sigma = linalg.svdvals(matrix).data<double>().ToArray();
        double energy = sigma.Sum(x => x * x);
        int rank99 = 0;
        double acc = 0;
        while (rank99 < sigma.Length && acc < 0.99 * energy) acc += sigma[rank99] * sigma[rank99++];
        double entropy = 0;
        foreach (double x in sigma)
        {
            double q = energy > 0 ? x * x / energy : 0;
            if (q > 0) entropy -= q * Math.Log(q);
        }
        int frozen = 0;
        for (int i = 0; i < p; i++)
            if (rows.All(r => r[i] == 0)) frozen++;
        return new DegeneracySpectrum(label, j, sigma, rank99, Math.Exp(entropy), frozen, double.NaN, double.NaN);
    }

    private static double Cosine(double[] a, double[] b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
        return aa > 0 && bb > 0 ? ab / Math.Sqrt(aa * bb) : double.NaN;
    }
}

/// <summary>Settings of <see cref="FittedMapDegeneracy"/>.</summary>
/// <param name="ContextsPerFamily">J: contexts per family, one from each of the family's J most frequent tasks; ≥ 2, default 4.</param>
/// <param name="ContextLength">m ≥ 1; default 8.</param>
/// <param name="QueryLength">T ≥ 1 with m + T ≤ C; default 4 (as the sweep).</param>
/// <param name="TrainQueries">Training queries per context, ≥ 1; default 64.</param>
/// <param name="Subset">The fitted parameters; default <c>full</c>.</param>
/// <param name="Fit">The optimiser; default <see cref="ContextFitSweepSettings.DefaultFit"/>.</param>
/// <param name="Seed">Fixes the contexts and queries (the replicates' training queries use seed + 2).</param>
/// <param name="Replicates">Also refit every context on independent training queries, to compare cross-context cosines
/// with the reproducibility of one context's update; default true (twice the fits).</param>
public sealed record DegeneracySettings(int ContextsPerFamily = 4, int ContextLength = 8, int QueryLength = 4, int TrainQueries = 64,
    string Subset = "full", ContextFitSettings? Fit = null, long Seed = 1, bool Replicates = true)
{
    [JsonIgnore]
    public ContextFitSettings FitSettings => Fit ?? ContextFitSweepSettings.DefaultFit;

    public DegeneracySettings Validate(TrueDistribution truth)
    {
        if (ContextsPerFamily < 2) throw new ArgumentOutOfRangeException(nameof(ContextsPerFamily), ContextsPerFamily, "contextsPerFamily must be at least 2.");
        if (ContextsPerFamily > truth.Spec.TasksPerFamily)
            throw new ArgumentOutOfRangeException(nameof(ContextsPerFamily), ContextsPerFamily, $"contextsPerFamily must be at most tasksPerFamily = {truth.Spec.TasksPerFamily}.");
        if (ContextLength < 1) throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "contextLength must be at least 1.");
        if (QueryLength < 1) throw new ArgumentOutOfRangeException(nameof(QueryLength), QueryLength, "queryLength must be at least 1.");
        if (ContextLength + QueryLength > truth.ContextLength)
            throw new ArgumentException($"contextLength {ContextLength} + queryLength {QueryLength} > C = {truth.ContextLength}.", nameof(QueryLength));
        if (TrainQueries < 1) throw new ArgumentOutOfRangeException(nameof(TrainQueries), TrainQueries, "trainQueries must be at least 1.");
        FitSettings.Validate();
        return this;
    }
}

/// <summary>One context's update restricted to one block.</summary>
/// <param name="Family">The context's family.</param>
/// <param name="Task">The context's task.</param>
/// <param name="Context">The context's index in <see cref="DegeneracyResult.Contexts"/>.</param>
/// <param name="Block">The block: a parameter name, with a row group in brackets for the embeddings and unembedding.</param>
/// <param name="Entries">The block's number of coordinates.</param>
/// <param name="UpdateNorm">‖Δ_block‖.</param>
/// <param name="WeightNorm">‖w_block‖.</param>
/// <param name="Share">‖Δ_block‖² / ‖Δ‖², the block's share of the update.</param>
public sealed record DegeneracyBlockRow(string Family, int Task, int Context, string Block, long Entries, double UpdateNorm, double WeightNorm, double Share);

/// <summary>The singular values of the stacked updates of a set of contexts.</summary>
/// <param name="Label">Which contexts (a family, or all).</param>
/// <param name="Contexts">J.</param>
/// <param name="SingularValues">σ₁ ≥ … ≥ σ_J.</param>
/// <param name="Rank99">The 99%-energy rank.</param>
/// <param name="EntropyRank">exp of the entropy of σ_i²/Σσ².</param>
/// <param name="FrozenCoordinates">Coordinates that none of these contexts moved (exactly zero update).</param>
/// <param name="MeanCosine">The mean cosine between the updates of two different contexts of the set.</param>
/// <param name="MeanReplicateCosine">The mean cosine between two fits of the same context on independent training queries
/// (NaN without replicates): how reproducible one context's update is. Cross-context cosines near it say the contexts'
/// updates differ no more than refits of one context do.</param>
public sealed record DegeneracySpectrum(string Label, int Contexts, double[] SingularValues, int Rank99, double EntropyRank,
    int FrozenCoordinates, double MeanCosine, double MeanReplicateCosine);

/// <summary>The degeneracy measurements of the fitted map.</summary>
/// <param name="Settings">What was measured.</param>
/// <param name="ParameterNames">The fitted parameters.</param>
/// <param name="Dimension">P, the number of fitted coordinates.</param>
/// <param name="FrozenCoordinates">Coordinates no context moved at all (exactly zero update in every fit).</param>
/// <param name="Contexts">A label per context.</param>
/// <param name="Blocks">Per context and block: the update's norm and share.</param>
/// <param name="Spectra">Per family and for all contexts together: the singular values and effective ranks.</param>
/// <param name="Cosines">Cosines between the contexts' updates (J_total × J_total).</param>
/// <param name="ReplicateCosines">Per context, the cosine between its update and a refit on independent training queries (null without replicates).</param>
public sealed record DegeneracyResult(DegeneracySettings Settings, IReadOnlyList<string> ParameterNames, int Dimension, int FrozenCoordinates,
    IReadOnlyList<string> Contexts, IReadOnlyList<DegeneracyBlockRow> Blocks, IReadOnlyList<DegeneracySpectrum> Spectra, double[][] Cosines,
    double[]? ReplicateCosines)
{
    /// <summary>
    /// Per family and block: the mean over contexts of the update's share, of the share per coordinate relative to an
    /// even spread (enrichment = share / (entries / P); Adam moves every reachable coordinate by a similar step, so an
    /// enrichment near 1 is what block size alone gives), and of ‖Δ_block‖/‖w_block‖; whether no context moved it at all.
    /// </summary>
    public DataFrame BlockTable()
    {
        var rows = Blocks.GroupBy(b => (b.Family, b.Block)).Select(g => (g.Key.Family, g.Key.Block, g.First().Entries,
            Share: g.Average(b => b.Share), Relative: g.Average(b => b.WeightNorm > 0 ? b.UpdateNorm / b.WeightNorm : double.NaN),
            Zero: g.All(b => b.UpdateNorm == 0))).ToArray();
        return new DataFrame(
            new StringDataFrameColumn("family", rows.Select(r => r.Family)),
            new StringDataFrameColumn("block", rows.Select(r => r.Block)),
            new PrimitiveDataFrameColumn<long>("entries", rows.Select(r => r.Entries)),
            new DoubleDataFrameColumn("share", rows.Select(r => r.Share)),
            new DoubleDataFrameColumn("enrichment", rows.Select(r => r.Share / ((double)r.Entries / Dimension))),
            new DoubleDataFrameColumn("relative_update", rows.Select(r => r.Relative)),
            new PrimitiveDataFrameColumn<bool>("exactly_zero", rows.Select(r => r.Zero)));
    }

    /// <summary>Per family (and all): J, the effective ranks and σ_i/σ₁.</summary>
    public DataFrame SpectrumTable() => new(
        new StringDataFrameColumn("contexts_of", Spectra.Select(s => s.Label)),
        new PrimitiveDataFrameColumn<int>("J", Spectra.Select(s => s.Contexts)),
        new PrimitiveDataFrameColumn<int>("rank_99", Spectra.Select(s => s.Rank99)),
        new DoubleDataFrameColumn("entropy_rank", Spectra.Select(s => s.EntropyRank)),
        new PrimitiveDataFrameColumn<int>("frozen_coordinates", Spectra.Select(s => s.FrozenCoordinates)),
        new DoubleDataFrameColumn("mean_cosine", Spectra.Select(s => s.MeanCosine)),
        new DoubleDataFrameColumn("mean_replicate_cosine", Spectra.Select(s => s.MeanReplicateCosine)),
        new StringDataFrameColumn("sigma_over_sigma1", Spectra.Select(s => string.Join(", ", s.SingularValues.Select(x => (x / s.SingularValues[0]).ToString("F3"))))));

    /// <summary>The mean share of the update per block, one bar series per family.</summary>
    public Figure BlockFigure()
    {
        var blocks = Blocks.Select(b => b.Block).Distinct().ToArray();
        var traces = Blocks.Select(b => b.Family).Distinct().Select(f => (Trace)new BarTrace(f, blocks,
            blocks.Select(b => Blocks.Where(r => r.Family == f && r.Block == b).Average(r => r.Share)).ToArray())).ToArray();
        return new Figure("Where the fitted context updates w' − w go (share of ‖w' − w‖² per block)", traces, new Axis("block"), new Axis("share of ‖Δ‖²"));
    }

    /// <summary>Cosines between the updates of every pair of contexts.</summary>
    public Figure CosineFigure()
    {
        var index = Enumerable.Range(0, Contexts.Count).Select(i => (double)i).ToArray();
        return new Figure("Cosine between fitted updates of different contexts (" + string.Join(", ", Contexts) + ")",
            [new HeatmapTrace("cosine", index, index, Cosines, "cos")], new Axis("context"), new Axis("context"));
    }
}
