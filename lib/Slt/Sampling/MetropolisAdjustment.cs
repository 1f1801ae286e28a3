using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>
/// The Metropolis–Hastings step that turns the Langevin proposal into MALA (Roberts &amp; Tweedie 1996;
/// <see cref="SgldSettings.MetropolisAdjusted"/>): the proposal w → w′ made at one step is accepted or rejected, chain
/// by chain, when the next step has evaluated L and ∇L at w′, with probability
/// α = min(1, exp(U(w) − U(w′) + log q(w | w′) − log q(w′ | w))) (<see cref="MalaTracker.LogAcceptance"/>). A rejected
/// chain goes back to w with the loss and gradient saved there, so a step still costs one evaluation of L and ∇L, as in
/// SGLD, and the chain's stationary law is the tempered posterior exactly, whatever ε (the discretization bias of SGLD is
/// gone; ε then only sets how fast the chain mixes). Needs the full batch: with a mini-batch U(w′) is itself random and
/// the ratio is not that of the posterior.
/// </summary>
internal sealed class MetropolisAdjustment
{
    private readonly SamplerContext _c;
    private readonly LangevinKernel _kernel;
    private readonly Tensor[] _w, _gradient, _gradU;
    private readonly Tensor _loss, _u, _acceptSum;
    private readonly Tensor? _excess;
    private readonly Scalar _zero = Scalars.Of(0.0);
    private bool _saved;
    private long _decisions;

    public MetropolisAdjustment(SamplerContext context, LangevinKernel kernel)
    {
        _c = context;
        _kernel = kernel;
        _w = context.Parameters.Select(t => t.detach().clone()).ToArray();
        _gradient = context.Parameters.Select(t => zeros_like(t)).ToArray();
        _gradU = context.Parameters.Select(t => zeros_like(t)).ToArray();
        _loss = zeros(context.Group.Chains, dtype: context.DType, device: context.Device);
        _u = zeros(context.Group.Chains, dtype: context.DType, device: context.Device);
        _acceptSum = zeros(context.Group.Chains, dtype: float64, device: context.Device);
        if (context.Group.HasBatchExcess) _excess = zeros(context.Group.Chains, dtype: float64, device: context.Device);
    }

    /// <summary>The state the step continues from: <paramref name="proposed"/> (the proposal made at the previous step,
    /// evaluated) for the chains that accept it, the saved previous state for the others. At the first step there is no
    /// proposal yet: the start is taken as it is.</summary>
    public LangevinStep Decide(LangevinStep proposed)
    {
        var uNew = proposed.Potential();
        if (!_saved)
        {
            Save(proposed, uNew, proposed.GradU);
            return proposed;
        }
        // U and ∇U of the saved point were formed when it was the current state: only the proposal's are new.
        var logAlpha = MalaTracker.LogAcceptance(_c, _kernel, _w, _u, _gradU, _c.Parameters, uNew, proposed.GradU).to_type(float64);
        var uniform = rand(_c.Group.Chains, dtype: float64, device: _c.Device, generator: _c.Generator);
        // A NaN log α (an overflow at w′) compares false: rejected.
        var accept = uniform.log().lt(logAlpha);
        // The reported rate is over the moves between post-burn-in states, as the SGLD check's is.
        if (proposed.Index > _c.Settings.BurnIn)
        {
            _acceptSum.PlusInPlace(logAlpha.clamp_max(_zero).exp().nan_to_num(0.0));
            _decisions++;
        }

        var p = _c.Parameters;
        var gradients = new Tensor[p.Length];
        var gradU = new Tensor[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            var keep = PerChain(accept, p[i]);
            p[i].copy_(where(keep, p[i], _w[i]));
            gradients[i] = where(keep, proposed.Gradient[i], _gradient[i]);
            gradU[i] = where(keep, proposed.GradU[i], _gradU[i]);
        }
        var loss = where(accept, proposed.Loss, _loss);
        var excess = proposed.Excess is { } e && _excess is { } saved ? where(accept, e.to_type(float64), saved) : proposed.Excess;
        var state = new LangevinStep(_c, proposed.Index, proposed.Batch, loss, excess, gradients);
        Save(state, where(accept, uNew, _u), gradU);
        return state;
    }

    /// <summary>Mean acceptance probability per chain over the decisions between post-burn-in states; NaN when there
    /// were none.</summary>
    public double[] Acceptance() => _decisions > 0
        ? (_acceptSum / Scalars.Of((double)_decisions)).ToDoubles()
        : Enumerable.Repeat(double.NaN, _c.Group.Chains).ToArray();

    /// <summary>Keeps the state the chains continue from, with its U and ∇U, for the next decision.</summary>
    private void Save(LangevinStep state, Tensor u, Tensor[] gradU)
    {
        for (int i = 0; i < _w.Length; i++)
        {
            _w[i].copy_(_c.Parameters[i]);
            _gradient[i].copy_(state.Gradient[i]);
            _gradU[i].copy_(gradU[i]);
        }
        _loss.copy_(state.Loss);
        _u.copy_(u);
        _saved = true;
        if (state.Excess is { } e) _excess?.copy_(e);
    }

    /// <summary>The per-chain decision shaped to broadcast against a sampled tensor: over its leading chain dimension,
    /// or as a single value for a module's own parameters (one chain).</summary>
    private Tensor PerChain(Tensor accept, Tensor like) =>
        accept.reshape(_c.Group.HasChainDimension
            ? [_c.Group.Chains, .. Enumerable.Repeat(1L, (int)like.dim() - 1)]
            : Enumerable.Repeat(1L, (int)like.dim()).ToArray());
}
