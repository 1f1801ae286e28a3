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
/// The proposal is never rejected (this is SGLD); a low rate says ε is too large for the posterior's curvature.
/// With mini-batches both U(w) and U(w′) are evaluated on the batch of the check step (one extra forward and backward
/// pass per check). With RMSprop the frozen G enters as the proposal covariance εG and the drift (ε/2)G∇U. With a box the
/// proposal is the Gaussian folded by reflection, and q is its density (<see cref="ReflectedNormal"/>, a sum over mirror
/// images per coordinate); the plain Gaussian density would be wrong for every proposal that hit a wall.</para>
/// </remarks>
public static class Sgld
{
    /// <summary>Runs <see cref="SgldSettings.Chains"/> chains and records L_n along each.</summary>
    /// <exception cref="ArgumentException">A sampled parameter name is unknown, or mini-batches are asked of a target without data.</exception>
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
        if (settings.BatchSize is int b && target.DataSize == 0)
            throw new ArgumentException($"BatchSize {b} was set but this target has no data to draw mini-batches from; use the full batch.", nameof(settings));
        if (settings.Start == ChainStart.PriorBox && settings.Box is null)
            throw new ArgumentException("Start = PriorBox needs a prior Box.", nameof(settings));
        if (settings.RmsPropDecay is double decay && settings.BurnIn == 0)
            throw new ArgumentException($"RmsPropDecay = {decay} needs BurnIn ≥ 1: the RMSprop preconditioner is adapted during burn-in and frozen afterwards.", nameof(settings));

        double nBeta = settings.ResolveNBeta(target.SampleSize);
        int chains = settings.Chains;
        var baseline = new double[chains];
        var draws = new double[chains][];
        var meanLoss = new double[chains];
        var mala = new double[chains];
        double[]? functionalVariance = null;
        long dimension = 0;
        var clock = Stopwatch.StartNew();
        int done = 0, group = 0;
        while (done < chains)
        {
            int size = Math.Min(target.MaxChainsPerGroup, chains - done);
            var result = RunGroup(target, settings, sampled, nBeta, size, group, done, chains, progress, cancellationToken);
            for (int c = 0; c < size; c++)
            {
                baseline[done + c] = result.Baseline[c];
                draws[done + c] = result.Draws[c];
                meanLoss[done + c] = result.MeanLoss[c];
                mala[done + c] = result.Mala[c];
                if (result.FunctionalVariance is { } v) (functionalVariance ??= new double[chains])[done + c] = v[c];
            }
            dimension = result.Dimension;
            done += size;
            group++;
        }
        return new SamplingRun(settings, nBeta, target.SampleSize, sampled.ToArray(), dimension, baseline, draws, meanLoss, mala,
            clock.Elapsed.TotalSeconds) { FunctionalVariance = functionalVariance, OptimumKind = target.OptimumKind };
    }

    private sealed record GroupResult(double[] Baseline, double[][] Draws, double[] MeanLoss, double[] Mala, long Dimension,
        double[]? FunctionalVariance);

    private static GroupResult RunGroup(ITemperedTarget target, SgldSettings s, IReadOnlyList<string> sampledNames, double nBeta,
        int size, int groupIndex, int chainsBefore, int chainsTotal, IProgress<SamplingProgress>? progress, CancellationToken token)
    {
        using var outer = NewDisposeScope();
        using var group = target.CreateGroup(size);
        var gen = new Generator(unchecked((ulong)(s.Seed * 1_000_003L + groupIndex * 7919L + 17)));
        var names = target.ParameterNames;
        var index = sampledNames.Select(n => names.ToList().IndexOf(n)).ToArray();
        var p = index.Select(i => group.Parameters[i]).ToArray();
        var anchor = index.Select(i => group.Optimum[i].detach()).ToArray();
        long dimension = p.Sum(t => group.HasChainDimension ? t.numel() / size : t.numel());
        var dtype = p[0].dtype;
        var device = p[0].device;
        double eps = s.StepSize, gamma = s.Localization, sqrtEps = Math.Sqrt(eps);
        bool fullBatch = s.BatchSize is null;
        bool trackMala = s.TrackMalaAcceptance;

        double[] baseline;
        Tensor? pointwiseAtOptimum;
        using (no_grad())
        {
            baseline = ToDoubles(group.EvaluationLoss());
            pointwiseAtOptimum = group.PointwiseLoss()?.to_type(float64);
        }
        // Σ_k (ℓ_i(w_k) − ℓ_i(w*)) and its square per chain and point, for the functional variance.
        var pointwiseSum = pointwiseAtOptimum is null ? null : zeros_like(pointwiseAtOptimum);
        var pointwiseSquares = pointwiseAtOptimum is null ? null : zeros_like(pointwiseAtOptimum);
        if (s.Start == ChainStart.PriorBox)
            using (no_grad())
                foreach (var t in p)
                    t.copy_((rand(t.shape, dtype: dtype, device: device, generator: gen) * Scalars.Of(s.Box!.Upper - s.Box.Lower)).PlusInPlace(s.Box.Lower));

        var drawBuffer = zeros(s.Draws, size, dtype: float64, device: device);
        var lossSum = zeros(size, dtype: float64, device: device);
        var acceptSum = zeros(size, dtype: float64, device: device);
        var prevW = p.Select(t => t.detach().clone()).ToArray();
        var prevG = p.Select(t => zeros_like(t)).ToArray();
        var prevU = zeros(size, dtype: dtype, device: device);
        var rms = s.RmsPropDecay is null ? null : p.Select(t => zeros_like(t)).ToArray();
        var settled = s.RmsPropDecay is null ? null : p.Select(t => zeros_like(t)).ToArray();
        var precondition = s.RmsPropDecay is null ? null : p.Select(t => ones_like(t)).ToArray();
        long settleFrom = s.BurnIn / 2;
        long stepsAfterBurnIn = 0, acceptCount = 0;
        long total = s.TotalSteps;
        long reportEvery = Math.Max(1, total / 100);

        for (long step = 0; step < total; step++)
        {
            token.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            Tensor? batch = fullBatch ? null : randint(target.DataSize, [s.BatchSize!.Value], dtype: int64, device: device, generator: gen);
            var (loss, grads) = LossAndGradients(group, p, index, batch);
            using (no_grad())
            {
                // MALA on every MalaEvery-th proposal: the state before it is saved at step ≡ −1, checked at step ≡ 0.
                bool checkMala = trackMala && step > 0 && step % s.MalaEvery == 0;
                bool saveMala = trackMala && (step + 1) % s.MalaEvery == 0;
                bool needGradU = checkMala || saveMala || rms is not null;
                var g = new Tensor[p.Length];
                var diff = new Tensor?[p.Length];
                var gradU = new Tensor?[p.Length];
                Tensor? penalty = null;
                for (int i = 0; i < p.Length; i++)
                {
                    // A parameter the loss does not depend on (e.g. w1 in K = w2²) has no gradient: it is zero.
                    g[i] = grads[i] is { IsInvalid: false } gi ? gi : zeros_like(p[i]);
                    if (gamma != 0) diff[i] = p[i] - anchor[i];
                    if (needGradU) gradU[i] = gamma == 0 ? g[i] * Scalars.Of(nBeta) : (g[i] * Scalars.Of(nBeta)).Plus(diff[i]! * Scalars.Of(gamma));
                    if ((checkMala || saveMala) && gamma != 0)
                    {
                        var sq = group.PerChainSum(diff[i]!.Squared());
                        penalty = penalty is null ? sq : penalty.Plus(sq);
                    }
                }
                bool afterBurnIn = step >= s.BurnIn;
                if (checkMala || saveMala)
                {
                    var u = loss.detach() * Scalars.Of(nBeta);
                    if (penalty is not null) u = u.Plus(penalty * Scalars.Of(gamma / 2));
                    if (checkMala && afterBurnIn)
                    {
                        // With mini-batches, U(w) and U(w′) must come from the same batch, or the batch-to-batch
                        // fluctuation of nβL swamps the ratio: re-evaluate the previous point on this step's batch.
                        if (!fullBatch) RevaluePrevious(group, p, index, prevW, prevG, prevU, anchor, batch, nBeta, gamma);
                        // log α = U(w) − U(w′) + log q(w | w′) − log q(w′ | w).
                        // All sampled coordinates as one tensor (one call instead of one per parameter).
                        var logRatio = LogProposalRatio(Flat(group, prevW), Flat(group, p), Flat(group, prevG), Flat(group, gradU.Select(t => t!).ToArray()),
                            precondition is null ? null : Flat(group, precondition), eps, s.Box);
                        var logAlpha = (prevU - u).Plus(group.PerChainSum(logRatio));
                        acceptSum.PlusInPlace(logAlpha.clamp_max(Scalars.Of(0.0)).exp().nan_to_num(0.0).to_type(float64));
                        acceptCount++;
                    }
                    if (saveMala)
                    {
                        prevU.copy_(u);
                        for (int i = 0; i < p.Length; i++)
                        {
                            prevW[i].copy_(p[i]);
                            prevG[i].copy_(gradU[i]!);
                        }
                    }
                }
                if (afterBurnIn)
                {
                    long k = step - s.BurnIn;
                    if (fullBatch) lossSum.PlusInPlace(loss.detach().to_type(float64));
                    stepsAfterBurnIn++;
                    if ((k + 1) % s.StepsBetweenDraws == 0)
                    {
                        var evaluation = fullBatch ? loss.detach() : group.EvaluationLoss();
                        drawBuffer[k / s.StepsBetweenDraws].copy_(evaluation.to_type(float64));
                        if (!fullBatch) lossSum.PlusInPlace(evaluation.to_type(float64));
                        if (pointwiseAtOptimum is not null)
                        {
                            var excess = group.PointwiseLoss()!.to_type(float64) - pointwiseAtOptimum;
                            pointwiseSum!.PlusInPlace(excess);
                            pointwiseSquares!.addcmul_(excess, excess, value: Scalars.Of(1.0));
                        }
                    }
                }
                for (int i = 0; i < p.Length; i++)
                {
                    var noise = randn(p[i].shape, dtype: dtype, device: device, generator: gen);
                    if (rms is null)
                    {
                        // Fused: −(ε/2)(nβ g + γ(w − w*)) + √ε ξ without materializing ∇U when MALA does not need it.
                        p[i].add_(g[i], alpha: Scalars.Of(-eps / 2 * nBeta));
                        if (diff[i] is { } d) p[i].add_(d, alpha: Scalars.Of(-eps / 2 * gamma));
                        p[i].add_(noise, alpha: Scalars.Of(sqrtEps));
                    }
                    else
                    {
                        if (step < s.BurnIn)
                        {
                            // G adapts during burn-in only (RMSprop as in Li et al.); the G frozen at its last step comes
                            // from a bias-corrected average over the second half of burn-in alone, so that the transient
                            // from w* does not linger in it.
                            double a = s.RmsPropDecay!.Value;
                            rms[i].mul_(Scalars.Of(a)).addcmul_(gradU[i]!, gradU[i]!, value: Scalars.Of(1 - a));
                            if (step >= settleFrom) settled![i].mul_(Scalars.Of(a)).addcmul_(gradU[i]!, gradU[i]!, value: Scalars.Of(1 - a));
                            var v = step == s.BurnIn - 1
                                ? settled![i] / Scalars.Of(1 - Math.Pow(a, step - settleFrom + 1))
                                : rms[i].clone();
                            precondition![i].copy_(v.sqrt_().PlusInPlace(RmsPropFloor).reciprocal_());
                        }
                        p[i].add_(gradU[i]! * precondition![i], alpha: Scalars.Of(-eps / 2)).add_(noise * precondition[i].sqrt(), alpha: Scalars.Of(sqrtEps));
                    }
                    if (s.Box is PriorBox box) Reflect(p[i], box);
                }
            }
            if (progress is not null && (step % reportEvery == 0 || step == total - 1))
                progress.Report(new SamplingProgress(chainsBefore * total + (step + 1) * size, chainsTotal * total,
                    step < s.BurnIn ? "burn-in" : "sampling"));
        }

        var drawsRows = drawBuffer.t().contiguous();
        var drawsOut = new double[size][];
        for (int c = 0; c < size; c++) drawsOut[c] = ToDoubles(drawsRows[c]);
        double denominator = fullBatch ? stepsAfterBurnIn : s.Draws;
        var mean = ToDoubles(lossSum / denominator);
        var accept = trackMala && acceptCount > 0 ? ToDoubles(acceptSum / acceptCount) : Enumerable.Repeat(double.NaN, size).ToArray();
        double[]? functionalVariance = null;
        if (pointwiseAtOptimum is not null && s.Draws >= 2)
        {
            // Unbiased per-point variance over the draws, summed over the m points and scaled to all data points.
            var variance = (pointwiseSquares! - pointwiseSum!.Squared() / Scalars.Of((double)s.Draws)) / Scalars.Of(s.Draws - 1.0);
            double scale = (double)target.DataSize / pointwiseAtOptimum.shape[1];
            functionalVariance = ToDoubles(variance.clamp_min(Scalars.Of(0.0)).sum(1) * Scalars.Of(scale));
        }
        return new GroupResult(baseline, drawsOut, mean, accept, dimension, functionalVariance);
    }

    /// <summary>The tensors side by side, per chain: [chains, coordinates] with a chain dimension, else one flat vector.</summary>
    private static Tensor Flat(ChainGroup group, IReadOnlyList<Tensor> tensors)
    {
        var pieces = tensors.Select(t => group.HasChainDimension ? t.reshape(group.Chains, -1) : t.flatten()).ToArray();
        return pieces.Length == 1 ? pieces[0] : cat(pieces, group.HasChainDimension ? 1 : 0);
    }

    /// <summary>λ in pSGLD's G = diag(1 / (λ + √v)): keeps G finite where the gradient statistic v is zero.</summary>
    private const double RmsPropFloor = 1e-8;

    /// <summary>
    /// log q(w | w′) − log q(w′ | w) element-wise for the move w → w′, where q(· | v) is the proposal
    /// N(v − (ε/2) G ∇U(v), ε G), folded into the box by reflection when there is one (<see cref="ReflectedNormal"/>);
    /// G = I (null) or the frozen RMSprop preconditioner.
    /// </summary>
    private static Tensor LogProposalRatio(Tensor w, Tensor wNew, Tensor gradU, Tensor gradUNew, Tensor? precondition, double eps, PriorBox? box)
    {
        var forwardMean = w - (precondition is null ? gradU : gradU * precondition) * Scalars.Of(eps / 2);
        var backwardMean = wNew - (precondition is null ? gradUNew : gradUNew * precondition) * Scalars.Of(eps / 2);
        if (box is not null)
        {
            // Both directions in one call: [q(w | w′), q(w′ | w)].
            var variance = precondition is null ? tensor(eps, dtype: w.dtype, device: w.device) : precondition * Scalars.Of(eps);
            var logQ = ReflectedNormal.LogDensity(stack([w, wNew]), stack([backwardMean, forwardMean]), variance, box);
            return logQ[0] - logQ[1];
        }
        // Without a box the normalizing constants of N(·, εG) cancel (G is the same both ways).
        var difference = (wNew - forwardMean).Squared() - (w - backwardMean).Squared();
        return (precondition is null ? difference : difference / precondition).mul_(Scalars.Of(0.5 / eps));
    }

    /// <summary>L(w) per chain and ∇L for the sampled parameters: closed form where the target has one, else autograd.</summary>
    private static (Tensor Loss, IList<Tensor> Gradients) LossAndGradients(ChainGroup group, Tensor[] p, int[] index, Tensor? batch)
    {
        if (group.LossAndGradient(batch) is var (closedLoss, allGrads))
            return (closedLoss, index.Select(i => allGrads[i]).ToArray());
        var loss = group.Loss(batch);
        return (loss, autograd.grad([loss.sum()], p, allow_unused: true));
    }

    private static void RevaluePrevious(ChainGroup group, Tensor[] p, int[] index, Tensor[] prevW, Tensor[] prevG, Tensor prevU,
        Tensor[] anchor, Tensor? batch, double nBeta, double gamma)
    {
        var current = p.Select(t => t.clone()).ToArray();
        for (int i = 0; i < p.Length; i++) p[i].copy_(prevW[i]);
        using (enable_grad())
        {
            var (loss, grads) = LossAndGradients(group, p, index, batch);
            var u = loss.detach() * Scalars.Of(nBeta);
            for (int i = 0; i < p.Length; i++)
            {
                var g = grads[i] is { IsInvalid: false } gi ? gi.detach() : zeros_like(p[i]);
                var diff = p[i] - anchor[i];
                prevG[i].copy_(gamma == 0 ? g * Scalars.Of(nBeta) : (g * Scalars.Of(nBeta)).Plus(diff * Scalars.Of(gamma)));
                if (gamma != 0) u = u.Plus(group.PerChainSum(diff.Squared()) * Scalars.Of(gamma / 2));
            }
            prevU.copy_(u);
        }
        for (int i = 0; i < p.Length; i++) p[i].copy_(current[i]);
    }

    /// <summary>Folds values back into [lower, upper] by reflection at the walls (a triangle wave of period 2(upper − lower)).</summary>
    public static void Reflect(Tensor w, PriorBox box)
    {
        double width = box.Upper - box.Lower;
        var folded = (w - Scalars.Of(box.Lower)).remainder(Scalars.Of(2 * width));
        w.copy_((folded - Scalars.Of(width)).abs().neg().PlusInPlace(box.Upper));
    }

    private static double[] ToDoubles(Tensor t) => t.detach().to_type(float64).cpu().contiguous().data<double>().ToArray();
}
