using Slt.Platform;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>
/// Stochastic-gradient Langevin dynamics on a <see cref="ITemperedTarget"/>:
/// w ← w − (ε/2) G(nβ ∇L_batch(w) + γ(w − w*)) + N(0, εG), G = I (SGLD, Welling &amp; Teh 2011) or the RMSprop
/// preconditioner (pSGLD, Li et al. 2016), then reflected into the prior box if one is set. Only the named sampled
/// parameters move; the rest stay at w* (weight-restricted sampling, Wang et al. 2024, arXiv 2410.02984).
/// </summary>
/// <remarks>
/// <para>pSGLD: G = diag(1 / (λ + √v)), v the exponential average (decay α = <see cref="SgldSettings.RmsPropDecay"/>)
/// of (∇U)², λ = 1e−8. Li et al. let G change along the whole chain and drop the correction term Γ(w) = Σ_j ∂G_ij/∂w_j
/// that a position-dependent G requires; the result is biased (measured +2.7% to +16% for E_t[tK] on the potentials w²,
/// w⁴, w₁² + w₂⁴ at t = 1000). Here G adapts during burn-in only and is then frozen, at the value from an exponential
/// average of (∇U)² restarted halfway through burn-in (the first half holds the transient from w*) and bias-corrected,
/// v̂ = v / (1 − α^k) as in Adam. Every post-burn-in step is then preconditioned Langevin with a constant diagonal G,
/// exact up to the discretization in ε (each chain has its own G; conditioning on it does not change the target).
/// pSGLD therefore needs BurnIn ≥ 1, and the burn-in should be long against the averaging length 1 / (1 − α). At an
/// exact critical point (∇U(w*) = 0) the first steps have v ≈ 0 and G ≈ 1/λ, hence very large moves: use a box or γ &gt; 0
/// there.</para>
/// Chains are independent: each group of chains draws its noise and mini-batches from its own
/// <see cref="torch.Generator"/>, seeded from (<see cref="SgldSettings.Seed"/>, group index); a module target has one
/// chain per group, hence one generator per chain. Same seed, same numbers.
/// <para>MALA acceptance (Metropolis-adjusted Langevin, Roberts &amp; Tweedie 1996) of each proposal w → w′ with
/// U = nβL + (γ/2)‖w − w*‖²: α = min(1, exp(U(w) − U(w′) + log q(w | w′) − log q(w′ | w))), q the proposal density; without
/// box and preconditioner −log q(w′ | w) = ‖w′ − w + (ε/2)∇U(w)‖²/(2ε) + const.
/// The proposal is never rejected (this is SGLD); a low rate says ε is too large for the posterior's curvature. With
/// <see cref="SgldSettings.MetropolisAdjusted"/> the same α decides every proposal (<see cref="MetropolisAdjustment"/>):
/// exact MALA at full batch, at the cost of SGLD's one evaluation per step.
/// With mini-batches both U(w) and U(w′) are evaluated on the batch of the check step (one extra forward and backward
/// pass per check). With RMSprop the frozen G enters as the proposal covariance εG and the drift (ε/2)G∇U. With a box the
/// proposal is the Gaussian folded by reflection, and q is its density (<see cref="ReflectedNormal"/>, a sum over mirror
/// images per coordinate); the plain Gaussian density would be wrong for every proposal that hit a wall.</para>
/// <para>The pieces: a <see cref="LangevinKernel"/> moves the chains (plain, preconditioned, reflected); observers watch
/// each state before the move — the <see cref="DrawRecorder"/> (draws and mean loss, <see cref="DrawLoss"/>), the
/// <see cref="MalaTracker"/> and the functional variance at draws — and the loop between them is <c>RunGroup</c>.
/// One forward and one backward pass per step evaluate L and ∇L; ∇U is formed at most once per step. Chain groups run
/// in parallel threads when the target has copies to run them on (<see cref="ITemperedTarget.ConcurrentGroups"/>,
/// <see cref="SgldSettings.ParallelGroups"/>); each keeps its own generator, so the numbers do not depend on it.</para>
/// </remarks>
public static class Sgld
{
    /// <summary>Runs <see cref="SgldSettings.Chains"/> chains and records L_n along each.</summary>
    /// <exception cref="ArgumentException">A sampled parameter name is unknown, mini-batches are asked of a target without
    /// data, or mini-batch excess draws of a target without per-point losses.</exception>
    public static SamplingRun Run(ITemperedTarget target, SgldSettings settings, IProgress<SamplingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        var names = target.ParameterNames;
        var sampled = settings.SampledParameters ?? names;
        foreach (var name in sampled)
            if (!names.Contains(name))
                throw new ArgumentException($"Unknown parameter name '{name}' in SampledParameters; this target has: {string.Join(", ", names)}.", nameof(settings));
        if (sampled.Count == 0) throw new ArgumentException("SampledParameters is empty: nothing to sample.", nameof(settings));
        if (settings.SampledRows is { } rows)
            foreach (var (name, list) in rows)
            {
                if (!names.Contains(name))
                    throw new ArgumentException($"Unknown parameter name '{name}' in SampledRows; this target has: {string.Join(", ", names)}.", nameof(settings));
                if (!sampled.Contains(name))
                    throw new ArgumentException($"SampledRows names '{name}', which is not among SampledParameters ({string.Join(", ", sampled)}): add it there.", nameof(settings));
                if (list is null || list.Count == 0)
                    throw new ArgumentException($"SampledRows['{name}'] is empty: name at least one row (or leave the tensor out of SampledParameters).", nameof(settings));
                var seen = new HashSet<int>();
                foreach (int r in list)
                    if (!seen.Add(r)) throw new ArgumentException($"SampledRows['{name}'] names row {r} twice.", nameof(settings));
            }
        if (settings.BatchSize is int b && target.DataSize == 0)
            throw new ArgumentException($"BatchSize {b} was set but this target has no data to draw mini-batches from; use the full batch.", nameof(settings));
        if (settings.MetropolisAdjusted && settings.BatchSize is int mb)
            throw new ArgumentException($"MetropolisAdjusted needs the full batch, but BatchSize is {mb}: with a mini-batch the acceptance ratio is not the posterior's. Drop the batch size or the adjustment.", nameof(settings));
        if (settings.Start == ChainStart.PriorBox && settings.Box is null)
            throw new ArgumentException("Start = PriorBox needs a prior Box.", nameof(settings));
        if (settings.RmsPropDecay is double decay && settings.BurnIn == 0)
            throw new ArgumentException($"RmsPropDecay = {decay} needs BurnIn ≥ 1: the RMSprop preconditioner is adapted during burn-in and frozen afterwards.", nameof(settings));

        double nBeta = settings.ResolveNBeta(target.SampleSize);
        int chains = settings.Chains;
        var sizes = new List<int>();
        for (int done = 0; done < chains; done += sizes[^1]) sizes.Add(Math.Min(target.MaxChainsPerGroup, chains - done));
        var results = new GroupResult[sizes.Count];
        var counter = new ProgressCounter(progress, chains * settings.TotalSteps);
        int parallel = Math.Min(Math.Min(sizes.Count, Math.Max(1, target.ConcurrentGroups)), settings.ParallelGroups ?? DefaultParallelGroups());
        var clock = Stopwatch.StartNew();
        var cpuBefore = CpuTime();
        if (parallel <= 1)
        {
            for (int g = 0; g < sizes.Count; g++) results[g] = RunGroup(target, settings, sampled, nBeta, sizes[g], g, 0, counter, cancellationToken);
        }
        else
        {
            // Each running group holds a worker slot (its own copy of the model); a group's numbers depend only on its index.
            var slots = new System.Collections.Concurrent.ConcurrentBag<int>(Enumerable.Range(0, parallel));
            try
            {
                Parallel.For(0, sizes.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, g =>
                {
                    if (!slots.TryTake(out int slot)) throw new InvalidOperationException("No free worker slot (internal error).");
                    try { results[g] = RunGroup(target, settings, sampled, nBeta, sizes[g], g, slot, counter, cancellationToken); }
                    finally { slots.Add(slot); }
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                throw;
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        double cpuSeconds = (CpuTime() - cpuBefore).TotalSeconds;
        var all = results.SelectMany(r => Enumerable.Range(0, r.Baseline.Length).Select(c => (Result: r, Chain: c))).ToArray();
        double[]? functionalVariance = results.All(r => r.FunctionalVariance is not null)
            ? all.Select(x => x.Result.FunctionalVariance![x.Chain]).ToArray() : null;
        double[][][]? observables = results.All(r => r.Observables is not null)
            ? all.Select(x => x.Result.Observables![x.Chain]).ToArray() : null;
        return new SamplingRun(settings, nBeta, target.SampleSize, sampled.ToArray(), results[0].Dimension,
            all.Select(x => x.Result.Baseline[x.Chain]).ToArray(), all.Select(x => x.Result.Draws[x.Chain]).ToArray(),
            all.Select(x => x.Result.MeanLoss[x.Chain]).ToArray(), all.Select(x => x.Result.Mala[x.Chain]).ToArray(), seconds)
        { FunctionalVariance = functionalVariance, DrawObservables = observables, OptimumKind = target.OptimumKind, ParallelGroups = parallel, CpuSeconds = cpuSeconds };
    }

    /// <summary>CPU time of the whole process so far (all threads).</summary>
    internal static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.TotalProcessorTime;
    }

    /// <summary>Processors over libtorch's intra-op threads, at least 1: the groups that fit on this machine at once.</summary>
    public static int DefaultParallelGroups() => Math.Max(1, Environment.ProcessorCount / Math.Max(1, torch.get_num_threads()));

    private sealed record GroupResult(double[] Baseline, double[][] Draws, double[] MeanLoss, double[] Mala, long Dimension,
        double[]? FunctionalVariance, double[][][]? Observables);

    private static GroupResult RunGroup(ITemperedTarget target, SgldSettings s, IReadOnlyList<string> sampledNames, double nBeta,
        int size, int groupIndex, int slot, ProgressCounter counter, CancellationToken token)
    {
        // A group in a slot > 0 is made outside this run's dispose scope: the target may build a copy of its model for
        // the slot, and that copy must outlive the run. Slot 0 inside it, so that a batched target's chain tensors go with it.
        var early = slot > 0 ? target.CreateGroup(size, slot) : null;
        using var outer = NewDisposeScope();
        using var group = early ?? target.CreateGroup(size, slot);
        if (s.DrawLoss == DrawLoss.MiniBatchExcess && !group.HasBatchExcess)
            throw new ArgumentException("DrawLoss.MiniBatchExcess needs a target with per-point losses (ModuleTarget.PerPoint, NextTokenTarget); this one has none. Use DrawLoss.EvaluationSet.", nameof(s));
        var names = target.ParameterNames.ToList();
        var index = sampledNames.Select(n => names.IndexOf(n)).ToArray();
        var p = index.Select(i => group.Parameters[i]).ToArray();
        // On the parameters' device: a CUDA tensor cannot be drawn from a CPU generator.
        var gen = new Generator(unchecked((ulong)(s.Seed * 1_000_003L + groupIndex * 7919L + 17)), p[0].device);
        var anchor = index.Select(i => group.Optimum[i].detach()).ToArray();
        var masks = RowMasks(sampledNames, anchor, s.SampledRows);
        long dimension = p.Select((t, i) => masks[i] is { } m ? m.Sampled : group.HasChainDimension ? t.numel() / size : t.numel()).Sum();
        var c = new SamplerContext(group, p, anchor, index, s, nBeta, gen) { Masks = masks };

        Tensor baseline;
        using (no_grad())
            baseline = (s.DrawLoss == DrawLoss.MiniBatchExcess ? group.FullDataLoss() : group.EvaluationLoss()).to_type(float64);
        var variance = FunctionalVarianceRecorder.AtOptimum(group, target.DataSize);
        if (s.Start == ChainStart.PriorBox)
            using (no_grad())
                foreach (var t in p)
                    t.copy_((rand(t.shape, dtype: c.DType, device: c.Device, generator: gen) * Scalars.Of(s.Box!.Upper - s.Box.Lower)).PlusInPlace(s.Box.Lower));
        c.HoldUnsampledRows();

        var kernel = new LangevinKernel(c);
        var draws = new DrawRecorder(c, baseline);
        if (variance is not null) draws.Drawn += _ => variance.Record();
        var observed = group.HasDrawObservables ? new DrawObservableRecorder(group, s.Draws) : null;
        if (observed is not null) draws.Drawn += _ => observed.Record();
        // Adjusted chains know their acceptance from their own decisions; SGLD chains check every k-th proposal.
        var adjustment = s.MetropolisAdjusted ? new MetropolisAdjustment(c, kernel) : null;
        var mala = s.TrackMalaAcceptance && adjustment is null ? new MalaTracker(c, kernel) : null;
        IChainObserver[] observers = mala is null ? [draws] : [mala, draws];

        for (long step = 0; step < s.TotalSteps; step++)
        {
            token.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = s.BatchSize is int b ? randint(target.DataSize, [b], dtype: int64, device: c.Device, generator: gen) : null;
            var (loss, excess, gradients) = c.Evaluate(batch);
            using (no_grad())
            {
                var state = new LangevinStep(c, step, batch, loss, excess, gradients);
                if (adjustment is not null) state = adjustment.Decide(state);
                foreach (var observer in observers) observer.Observe(state);
                kernel.Move(state);
            }
            counter.Add(size, step < s.BurnIn);
        }
        return new GroupResult(baseline.ToDoubles(), draws.Draws(), draws.MeanLoss(), adjustment?.Acceptance() ?? mala?.Acceptance() ?? Enumerable.Repeat(double.NaN, size).ToArray(),
            dimension, variance?.Result(), observed?.Result());
    }

    /// <summary>The row masks of the sampled tensors (null where a tensor is sampled whole), checked against the shapes of w*.</summary>
    private static RowMask?[] RowMasks(IReadOnlyList<string> names, Tensor[] anchor, IReadOnlyDictionary<string, IReadOnlyList<int>>? rows)
    {
        var masks = new RowMask?[names.Count];
        if (rows is null) return masks;
        for (int i = 0; i < names.Count; i++)
        {
            if (!rows.TryGetValue(names[i], out var list)) continue;
            var shape = anchor[i].shape;
            if (shape.Length == 0)
                throw new ArgumentException($"SampledRows names '{names[i]}', a 0-dimensional tensor: it has no rows.", "settings");
            long count = shape[0];
            foreach (int r in list)
                if (r < 0 || r >= count)
                    throw new ArgumentOutOfRangeException("settings", r, $"SampledRows['{names[i]}'] names row {r}, outside [0, {count}) (shape [{string.Join(", ", shape)}]).");
            var weight = zeros(shape, dtype: anchor[i].dtype, device: anchor[i].device);
            weight.index_fill_(0, tensor(list.Select(r => (long)r).ToArray(), dtype: int64, device: anchor[i].device), Scalars.Of(1.0));
            long perRow = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            masks[i] = new RowMask(weight.to_type(ScalarType.Bool), weight, list.Count * perRow);
        }
        return masks;
    }

    /// <summary>Folds values back into [lower, upper] by reflection at the walls (a triangle wave of period 2(upper − lower)).</summary>
    public static void Reflect(Tensor w, PriorBox box)
    {
        double width = box.Upper - box.Lower;
        var folded = (w - Scalars.Of(box.Lower)).remainder(Scalars.Of(2 * width));
        w.copy_((folded - Scalars.Of(width)).abs().neg().PlusInPlace(box.Upper));
    }
}
