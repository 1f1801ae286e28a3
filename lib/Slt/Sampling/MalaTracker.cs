using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>
/// The MALA acceptance probability of every <see cref="SgldSettings.MalaEvery"/>-th post-burn-in proposal w → w′:
/// the state before it (w, ∇U(w), U(w)) is saved at a step ≡ −1 (mod k) and the proposal that led to the state at the
/// next step is checked there. With mini-batches U(w) and ∇U(w) are re-evaluated on the checking step's batch (one
/// extra forward and backward pass per check), or the batch-to-batch fluctuation of nβL would swamp the ratio.
/// </summary>
internal sealed class MalaTracker : IChainObserver
{
    private readonly SamplerContext _c;
    private readonly LangevinKernel _kernel;
    private readonly Tensor[] _prevW, _prevGradU;
    private readonly Tensor _prevU, _acceptSum;
    private readonly Scalar _zero = Scalars.Of(0.0);
    private long _checks;

    public MalaTracker(SamplerContext context, LangevinKernel kernel)
    {
        _c = context;
        _kernel = kernel;
        _prevW = context.Parameters.Select(t => t.detach().clone()).ToArray();
        _prevGradU = context.Parameters.Select(t => zeros_like(t)).ToArray();
        _prevU = zeros(context.Group.Chains, dtype: context.DType, device: context.Device);
        _acceptSum = zeros(context.Group.Chains, dtype: float64, device: context.Device);
    }

    public void Observe(LangevinStep step)
    {
        int every = _c.Settings.MalaEvery;
        bool check = step.Index > 0 && step.Index % every == 0 && step.AfterBurnIn;
        bool save = (step.Index + 1) % every == 0;
        if (!check && !save) return;
        var u = step.Potential();
        if (check)
        {
            if (step.Batch is not null) ReevaluatePrevious(step.Batch);
            var logAlpha = LogAcceptance(_c, _kernel, _prevW, _prevU, _prevGradU, _c.Parameters, u, step.GradU);
            _acceptSum.PlusInPlace(logAlpha.clamp_max(_zero).exp().nan_to_num(0.0).to_type(float64));
            _checks++;
        }
        if (save)
        {
            _prevU.copy_(u);
            for (int i = 0; i < _prevW.Length; i++)
            {
                _prevW[i].copy_(_c.Parameters[i]);
                _prevGradU[i].copy_(step.GradU[i]);
            }
        }
    }

    /// <summary>Mean acceptance probability per chain; NaN when nothing was checked.</summary>
    public double[] Acceptance() => _checks > 0
        ? (_acceptSum / Scalars.Of((double)_checks)).ToDoubles()
        : Enumerable.Repeat(double.NaN, _c.Group.Chains).ToArray();

    /// <summary>U and ∇U of the saved state on this step's batch.</summary>
    private void ReevaluatePrevious(Tensor batch)
    {
        var p = _c.Parameters;
        var current = p.Select(t => t.clone()).ToArray();
        for (int i = 0; i < p.Length; i++) p[i].copy_(_prevW[i]);
        using (enable_grad())
        {
            var (loss, excess, gradients) = _c.Evaluate(batch);
            var previous = new LangevinStep(_c, -1, batch, loss, excess, gradients.Select(g => g.detach()).ToArray());
            _prevU.copy_(previous.Potential());
            for (int i = 0; i < p.Length; i++) _prevGradU[i].copy_(previous.GradU[i]);
        }
        for (int i = 0; i < p.Length; i++) p[i].copy_(current[i]);
    }

    /// <summary>log α per chain for the move w → w′ made by <paramref name="kernel"/>:
    /// U(w) − U(w′) + log q(w | w′) − log q(w′ | w), all sampled coordinates as one tensor per chain.</summary>
    internal static Tensor LogAcceptance(SamplerContext c, LangevinKernel kernel, IReadOnlyList<Tensor> w, Tensor u, IReadOnlyList<Tensor> gradU,
        IReadOnlyList<Tensor> wNew, Tensor uNew, IReadOnlyList<Tensor> gradUNew)
    {
        var logRatio = LogProposalRatio(Flat(c, w), Flat(c, wNew), Flat(c, gradU), Flat(c, gradUNew),
            kernel.Precondition is { } g ? Flat(c, g) : null, c.Epsilon, c.Settings.Box);
        return (u - uNew).Plus(c.Group.PerChainSum(logRatio));
    }

    /// <summary>The sampled coordinates side by side, per chain: [chains, coordinates] with a chain dimension, else one
    /// flat vector. Of a row-restricted tensor only its sampled rows: the held ones never move and are no part of the
    /// proposal.</summary>
    private static Tensor Flat(SamplerContext c, IReadOnlyList<Tensor> tensors)
    {
        var group = c.Group;
        var pieces = tensors.Select((t, i) =>
        {
            var kept = i < c.Masks.Length && c.Masks[i] is { } m ? t.masked_select(m.Keep.expand_as(t)) : t;
            return group.HasChainDimension ? kept.reshape(group.Chains, -1) : kept.flatten();
        }).ToArray();
        return pieces.Length == 1 ? pieces[0] : cat(pieces, group.HasChainDimension ? 1 : 0);
    }

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
}
