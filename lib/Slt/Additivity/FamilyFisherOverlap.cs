
using Microsoft.Data.Analysis;
using Slt.Contexts;
using Slt.Losses;
using Slt.Model;
using Slt.Presentation;
using Slt.Training;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Additivity;

/// <summary>A named block of a transformer's weights: the coordinates one Fisher subspace lives in.</summary>
/// <param name="Name">The label (<c>token_embedding</c>, <c>attention-1</c>, …).</param>
/// <param name="Parameters">The parameter tensors of the block, in the model's order.</param>
public sealed record WeightBlock(string Name, IReadOnlyList<string> Parameters)
{
    /// <summary>The default blocks: token embedding, position embedding, each layer's attention (all heads) and MLP
    /// (weights and biases), every layer norm together (<c>norms</c>), and the unembedding (weight and bias).</summary>
    public static IReadOnlyList<WeightBlock> Of(Transformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var names = model.named_parameters().Select(p => p.name).ToArray();
        var blocks = new List<WeightBlock>
        {
            new("token_embedding", ["token_embedding.weight"]),
            new("position_embedding", ["position_embedding.weight"]),
        };
        for (int l = 0; l < model.Config.Layers; l++)
        {
            blocks.Add(new($"attention-{l}", new ParameterSubset($"attention-{l}").Resolve(model)));
            if (model.Config.Mlp) blocks.Add(new($"mlp-{l}", new ParameterSubset($"mlp-{l}").Resolve(model)));
        }
        var norms = names.Where(n => n.Contains("_norm.", StringComparison.Ordinal)).ToArray();
        if (norms.Length > 0) blocks.Add(new("norms", norms));
        blocks.Add(new("unembedding", new ParameterSubset("unembedding").Resolve(model)));
        return blocks;
    }
}

/// <summary>How the Fisher subspaces are formed: windows per family, the share of the Fisher trace the kept
/// eigenvectors carry, and the most eigenvectors kept.</summary>
/// <param name="WindowsPerFamily">m, the windows of each family whose per-window gradients form the Fisher (≥ 2; default 64).</param>
/// <param name="EnergyShare">The top-k eigenspace is the smallest k whose eigenvalues carry this share of the trace
/// (in (0, 1]; default 0.9).</param>
/// <param name="MaxRank">The cap on k (≥ 1; default 16 = m/4 at the default m), so a subspace never fills the rank m of
/// its gradient matrix.</param>
public sealed record FisherOverlapSettings(int WindowsPerFamily = 64, double EnergyShare = 0.9, int MaxRank = 16)
{
    /// <summary>The settings of the measured figures.</summary>
    public static FisherOverlapSettings Default { get; } = new();

    /// <summary>This, or an <see cref="ArgumentException"/> naming the bad field.</summary>
    public FisherOverlapSettings Validate()
    {
        if (WindowsPerFamily < 2) throw new ArgumentOutOfRangeException(nameof(WindowsPerFamily), WindowsPerFamily, "WindowsPerFamily must be ≥ 2.");
        if (!(EnergyShare > 0 && EnergyShare <= 1)) throw new ArgumentOutOfRangeException(nameof(EnergyShare), EnergyShare, "EnergyShare must lie in (0, 1].");
        if (MaxRank < 1) throw new ArgumentOutOfRangeException(nameof(MaxRank), MaxRank, "MaxRank must be ≥ 1.");
        return this;
    }
}

/// <summary>The overlap of two Fisher subspaces of one block.</summary>
/// <param name="Dimension">p, the block's number of weights.</param>
/// <param name="Rank1">k₁, the dimension of family 1's subspace.</param>
/// <param name="Rank2">k₂, of family 2's.</param>
/// <param name="Overlap">O = ‖V₁ᵀV₂‖_F² / min(k₁, k₂), the mean cos² of the principal angles (NaN when a family has no gradient in the block).</param>
/// <param name="Chance">max(k₁, k₂) / p, the expected O of a uniformly random k₂-dimensional subspace.</param>
/// <param name="Trace1">tr F₁, the block's Fisher trace on family 1's windows.</param>
/// <param name="Trace2">tr F₂.</param>
public sealed record SubspaceOverlap(long Dimension, int Rank1, int Rank2, double Overlap, double Chance, double Trace1, double Trace2);

/// <summary>One block at one checkpoint.</summary>
public sealed record FisherOverlapRow(int Step, string Block, long Parameters, int Rank1, int Rank2, double Overlap, double Chance, double Trace1, double Trace2);

/// <summary>
/// Where the two families of the corpus live in weight space: per weight block and training checkpoint, the overlap
/// of the two families' empirical-Fisher eigenspaces.
/// </summary>
/// <remarks>
/// <para>Fisher. At a weight w, for family f with m windows x_1..x_m (its first m windows of the sample) and the
/// per-window loss ℓ_i(w) = −log p(window i | w) (<see cref="NextTokenLoss.PerWindow(nn.Module{Tensor, Tensor}, Tensor)"/>),
/// the block's per-window gradient matrix is G_f ∈ ℝ^{m×p}, row i = ∇_B ℓ_i(w) restricted to the block's p weights, and
/// the empirical Fisher is F_f = G_fᵀG_f / m (uncentred: at a trained point the mean gradient is nearly zero and this
/// is the gradient covariance; early in training it also holds the mean gradient's direction). With the thin SVD
/// G_f = U Σ Vᵀ the eigenvalues of F_f are σ_j² / m and its eigenvectors the columns of V.</para>
/// <para>Subspace. V_f = the first k_f right singular vectors, k_f the smallest k with Σ_{j≤k} σ_j² ≥ s Σ_j σ_j²
/// (s = <see cref="FisherOverlapSettings.EnergyShare"/>), capped at <see cref="FisherOverlapSettings.MaxRank"/>.</para>
/// <para>Score. O = ‖V₁ᵀV₂‖_F² / min(k₁, k₂) = (1/min(k₁,k₂)) Σ_j cos² θ_j, the mean cos² of the min(k₁, k₂) principal
/// angles θ_j between the subspaces. O = 1 when one subspace contains the other (identical data), O = 0 when they
/// are orthogonal (families on disjoint weights). Chance: for V₂ spanning a uniformly random k₂-dimensional subspace
/// of ℝ^p, E[P₂] = (k₂/p) I by rotation invariance (P₂ = V₂V₂ᵀ, tr P₂ = k₂), so E‖V₁ᵀV₂‖_F² = tr(V₁ᵀ E[P₂] V₁) =
/// k₁k₂/p and E[O] = max(k₁, k₂)/p (<see cref="SubspaceOverlap.Chance"/>). O well above chance: the families' loss
/// curvature uses the same directions of the block; at chance: unrelated directions.</para>
/// </remarks>
/// <param name="Family1">Family 1's name.</param>
/// <param name="Family2">Family 2's name.</param>
/// <param name="Settings">How the subspaces were formed.</param>
/// <param name="Rows">One row per (checkpoint, block).</param>
/// <param name="Seconds">Wall-clock seconds of the computation (of the run that filled the cache, when cached).</param>
public sealed record FamilyFisherOverlap(string Family1, string Family2, FisherOverlapSettings Settings, IReadOnlyList<FisherOverlapRow> Rows, double Seconds)
{
    /// <summary>The overlap score of two gradient matrices G₁ ∈ ℝ^{m₁×p}, G₂ ∈ ℝ^{m₂×p} (see the remarks).</summary>
    /// <exception cref="ArgumentException">Not matrices, or their column counts differ.</exception>
    public static SubspaceOverlap Compare(Tensor gradients1, Tensor gradients2, double energyShare = 0.9, int maxRank = 16)
    {
        ArgumentNullException.ThrowIfNull(gradients1);
        ArgumentNullException.ThrowIfNull(gradients2);
        if (gradients1.dim() != 2 || gradients2.dim() != 2 || gradients1.shape[1] != gradients2.shape[1])
            throw new ArgumentException($"Gradient matrices must be [m, p] with the same p; got [{string.Join(", ", gradients1.shape)}] and [{string.Join(", ", gradients2.shape)}].");
        new FisherOverlapSettings(2, energyShare, maxRank).Validate();
        using var scope = NewDisposeScope();
        long p = gradients1.shape[1];
        var (v1, k1, t1) = Subspace(gradients1, energyShare, maxRank);
        var (v2, k2, t2) = Subspace(gradients2, energyShare, maxRank);
        if (k1 == 0 || k2 == 0) return new SubspaceOverlap(p, k1, k2, double.NaN, double.NaN, t1, t2);
        double frob = v1!.t().matmul(v2!).square().sum().item<double>();
        return new SubspaceOverlap(p, k1, k2, frob / Math.Min(k1, k2), Math.Max(k1, k2) / (double)p, t1, t2);
    }

    /// <summary>k: the smallest count of the eigenvalues (descending) that carries <paramref name="share"/> of their sum,
    /// capped at <paramref name="cap"/>; 0 when the sum is 0.</summary>
    public static int RankFor(IReadOnlyList<double> eigenvalues, double share, int cap)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        double total = eigenvalues.Sum();
        if (!(total > 0)) return 0;
        double running = 0;
        for (int k = 0; k < eigenvalues.Count; k++)
        {
            running += eigenvalues[k];
            // A relative slack of 1e−12 so that a share of exactly 1 is met despite rounding.
            if (running >= share * total * (1 - 1e-12)) return Math.Min(k + 1, cap);
        }
        return Math.Min(eigenvalues.Count, cap);
    }

    private static (Tensor? V, int K, double Trace) Subspace(Tensor g, double share, int cap)
    {
        var g64 = g.to_type(float64);
        long m = g64.shape[0];
        var (_, s, vh) = linalg.svd(g64, fullMatrices: false);
        var eigen = (s.square() / Platform.Scalars.Of((double)m)).data<double>().ToArray();
        int k = RankFor(eigen, share, cap);
        double trace = eigen.Sum();
        return k == 0 ? (null, 0, trace) : (vh.narrow(0, 0, k).t(), k, trace);
    }

    /// <summary>The overlap of every block at one weight: per-window gradients of the first m windows of each family
    /// (two families), one forward and backward pass per window. The model's weights are left as they were.</summary>
    /// <exception cref="ArgumentException">The sample has not two families, or a family has fewer than m windows.</exception>
    public static IReadOnlyList<FisherOverlapRow> AtPoint(Transformer model, FamilyPartition partition, int step, FisherOverlapSettings? settings = null,
        IReadOnlyList<WeightBlock>? blocks = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(partition);
        settings = (settings ?? FisherOverlapSettings.Default).Validate();
        if (partition.FamilyNames.Count != 2)
            throw new ArgumentException($"The Fisher overlap compares two families; this sample has {partition.FamilyNames.Count} ({string.Join(", ", partition.FamilyNames)}).", nameof(partition));
        int m = settings.WindowsPerFamily;
        for (int f = 0; f < 2; f++)
            if (partition.CountOf(f) < m)
                throw new ArgumentException($"Family {partition.FamilyNames[f]} has {partition.CountOf(f)} windows in the sample, fewer than WindowsPerFamily = {m}.", nameof(partition));
        blocks ??= WeightBlock.Of(model);
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var block in blocks)
            foreach (var name in block.Parameters)
                if (!named.ContainsKey(name))
                    throw new ArgumentException($"Block {block.Name} names '{name}', which is not a parameter of the model.", nameof(blocks));
        var used = blocks.SelectMany(b => b.Parameters).Distinct().ToArray();
        var leaves = used.Select(n => (Tensor)named[n]).ToArray();
        var position = used.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
        var device = leaves[0].device;
        var frozen = leaves.Where(t => !t.requires_grad).ToArray();
        foreach (var t in frozen) t.requires_grad = true;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            // matrices[f][b] = G_f of block b, [m, p_b] in float64.
            var matrices = new Tensor[2][];
            for (int f = 0; f < 2; f++)
            {
                var windows = partition.Sample.ToTensor(partition.WindowsOf(f).Take(m).ToArray(), device);
                var rows = blocks.Select(_ => new List<Tensor>()).ToArray();
                for (int i = 0; i < m; i++)
                {
                    using var inner = NewDisposeScope();
                    var loss = NextTokenLoss.PerWindow(model, windows.narrow(0, i, 1)).sum();
                    var grads = autograd.grad([loss], leaves, allow_unused: true);
                    for (int b = 0; b < blocks.Count; b++)
                    {
                        var row = cat(blocks[b].Parameters.Select(n =>
                        {
                            int j = position[n];
                            return grads[j] is { IsInvalid: false } g ? g.flatten() : zeros(leaves[j].numel(), dtype: leaves[j].dtype, device: device);
                        }).ToArray(), 0).to_type(float64);
                        rows[b].Add(row.MoveToOuterDisposeScope());
                    }
                }
                matrices[f] = rows.Select(r => stack(r.ToArray(), 0)).ToArray();
            }
            var result = new List<FisherOverlapRow>();
            for (int b = 0; b < blocks.Count; b++)
            {
                var o = Compare(matrices[0][b], matrices[1][b], settings.EnergyShare, settings.MaxRank);
                result.Add(new FisherOverlapRow(step, blocks[b].Name, o.Dimension, o.Rank1, o.Rank2, o.Overlap, o.Chance, o.Trace1, o.Trace2));
            }
            return result;
        }
        finally
        {
            foreach (var t in frozen) t.requires_grad = false;
            if (wasTraining) model.train();
        }
    }

    /// <summary>The overlap at every checkpoint of a training run (each loaded from its <see cref="TrainingCheckpoint.CheckpointFile"/>).</summary>
    /// <exception cref="InvalidOperationException">A checkpoint has no saved weights.</exception>
    public static FamilyFisherOverlap Trajectory(TrainingRun run, FamilyPartition partition, FisherOverlapSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(partition);
        settings = (settings ?? FisherOverlapSettings.Default).Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rows = new List<FisherOverlapRow>();
        foreach (var checkpoint in run.Checkpoints)
        {
            string file = checkpoint.CheckpointFile ?? throw new InvalidOperationException($"Checkpoint at step {checkpoint.Step} has no saved weights.");
            var (model, _) = TransformerCheckpoint.Load(file);
            using (model) rows.AddRange(AtPoint(model, partition, checkpoint.Step, settings));
        }
        return new FamilyFisherOverlap(partition.FamilyNames[0], partition.FamilyNames[1], settings, rows, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The default model's trajectory (<see cref="TrainingRunConfig.Default"/>, trained or loaded from the
    /// training cache) on its corpus's shipped sample (<see cref="CorpusGenerator.SpecSample"/>), cached under
    /// <c>SLT_CACHE/additivity</c> by the recipe, the settings and this library's build.</summary>
    public static (FamilyFisherOverlap Result, bool FromCache) Default(FisherOverlapSettings? settings = null, bool useCache = true)
    {
        settings = (settings ?? FisherOverlapSettings.Default).Validate();
        var recipe = TrainingRunConfig.Default;
        string key = $"fisher-overlap|{recipe.ContentHash()}|spec-sample|{settings}";
        return AdditivityCache.GetOrCompute("fisher-overlap", key, () =>
        {
            var (model, run) = TrainedModelCache.GetOrTrain(recipe);
            model.Dispose();
            var partition = FamilyPartition.Of(new CorpusGenerator(new TrueDistribution(recipe.Corpus)).SpecSample());
            return Trajectory(run, partition, settings);
        }, useCache);
    }

    /// <summary>The checkpoint steps measured, in order.</summary>
    public IReadOnlyList<int> Steps => Rows.Select(r => r.Step).Distinct().OrderBy(s => s).ToArray();

    /// <summary>One row per (checkpoint step, block): p, k₁, k₂, O, chance, O / chance, tr F₁, tr F₂; only the given
    /// steps when any are given (e.g. the first and the last, <c>ToDataFrame(Steps[0], Steps[^1])</c>).</summary>
    /// <exception cref="ArgumentException">A step that was not measured.</exception>
    public DataFrame ToDataFrame(params int[] steps)
    {
        foreach (int s in steps)
            if (!Rows.Any(r => r.Step == s))
                throw new ArgumentException($"Step {s} was not measured; the checkpoints are at {string.Join(", ", Steps)}.", nameof(steps));
        var kept = steps.Length == 0 ? Rows : Rows.Where(r => steps.Contains(r.Step)).ToArray();
        return Table(kept);
    }

    /// <summary>The overlap over training as a grid: one row per checkpoint step, one column of O per block (in the
    /// blocks' order), so a reader can follow each block down the training.</summary>
    public DataFrame ByStep()
    {
        var steps = Steps;
        var blocks = Rows.Select(r => r.Block).Distinct().ToArray();
        var columns = new List<DataFrameColumn> { new PrimitiveDataFrameColumn<int>("step", steps) };
        foreach (var block in blocks)
            columns.Add(new DoubleDataFrameColumn(block, steps.Select(s => Rows.First(r => r.Step == s && r.Block == block).Overlap)));
        return new DataFrame(columns);
    }

    private DataFrame Table(IReadOnlyList<FisherOverlapRow> rows) => new(
        new PrimitiveDataFrameColumn<int>("step", rows.Select(r => r.Step)),
        new StringDataFrameColumn("block", rows.Select(r => r.Block)),
        new PrimitiveDataFrameColumn<long>("parameters", rows.Select(r => r.Parameters)),
        new PrimitiveDataFrameColumn<int>("k1", rows.Select(r => r.Rank1)),
        new PrimitiveDataFrameColumn<int>("k2", rows.Select(r => r.Rank2)),
        new DoubleDataFrameColumn("overlap", rows.Select(r => r.Overlap)),
        new DoubleDataFrameColumn("chance", rows.Select(r => r.Chance)),
        new DoubleDataFrameColumn("overlap_over_chance", rows.Select(r => r.Overlap / r.Chance)),
        new DoubleDataFrameColumn($"fisher_trace_{Family1}", rows.Select(r => r.Trace1)),
        new DoubleDataFrameColumn($"fisher_trace_{Family2}", rows.Select(r => r.Trace2)));

    /// <summary>O against the training step, one line per block (log step axis; step 0 drawn at step 1), the chance
    /// level of the largest block dashed.</summary>
    public Figure ToFigure()
    {
        var traces = new List<Trace>();
        foreach (var group in Rows.GroupBy(r => r.Block))
        {
            var points = group.OrderBy(r => r.Step).ToArray();
            // Block names are identifiers (token_embedding); the chart layer would read '_' as a subscript.
            traces.Add(new LineTrace(group.Key.Replace('_', ' '), points.Select(r => (double)Math.Max(1, r.Step)).ToArray(), points.Select(r => r.Overlap).ToArray(), Markers: true));
        }
        var last = Rows.Where(r => r.Step == Rows.Max(x => x.Step)).ToArray();
        double chance = last.Length > 0 ? last.Max(r => r.Chance) : double.NaN;
        return new Figure($"Fisher overlap of {Family1} and {Family2} per block (mean cos² of principal angles; 1 = same subspace, 0 = orthogonal)",
            traces, new Axis("training step (step 0 at 1)", Log: true), new Axis("overlap O", Min: 0, Max: 1))
        {
            Marks = double.IsFinite(chance) ? [new HorizontalLine($"largest chance level max(k₁,k₂)/p = {NumberText.Significant(chance, 3)}", chance)] : null,
        };
    }
}
