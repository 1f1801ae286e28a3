using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>
/// The move of one SGLD step: w ← w − (ε/2) G ∇U(w) + N(0, εG), then reflection into the prior box if there is one.
/// G = I (plain, the update fused so that ∇U is never materialized) or the pSGLD diagonal RMSprop preconditioner, adapted
/// during burn-in and frozen afterwards (see <see cref="Sgld"/>). The noise comes from the run's generator, one
/// <c>randn</c> per sampled parameter in parameter order.
/// </summary>
internal sealed class LangevinKernel
{
    /// <summary>λ in pSGLD's G = diag(1 / (λ + √v)): keeps G finite where the gradient statistic v is zero.</summary>
    private const double RmsPropFloor = 1e-8;

    private readonly SamplerContext _c;
    private readonly Scalar _minusHalfEpsNBeta, _minusHalfEpsGamma, _minusHalfEps, _sqrtEps;
    private readonly Preconditioner? _preconditioner;

    public LangevinKernel(SamplerContext context)
    {
        _c = context;
        double eps = context.Epsilon;
        _minusHalfEpsNBeta = Scalars.Of(-eps / 2 * context.NBeta);
        _minusHalfEpsGamma = Scalars.Of(-eps / 2 * context.Gamma);
        _minusHalfEps = Scalars.Of(-eps / 2);
        _sqrtEps = Scalars.Of(Math.Sqrt(eps));
        if (context.Settings.RmsPropDecay is double decay) _preconditioner = new Preconditioner(context, decay);
    }

    /// <summary>The frozen G per sampled parameter (pSGLD), or null for G = I; MALA's proposal density needs it.</summary>
    public Tensor[]? Precondition => _preconditioner?.G;

    public void Move(LangevinStep step)
    {
        var p = _c.Parameters;
        _preconditioner?.Adapt(step);
        for (int i = 0; i < p.Length; i++)
        {
            var noise = randn(p[i].shape, dtype: _c.DType, device: _c.Device, generator: _c.Generator);
            var mask = i < _c.Masks.Length ? _c.Masks[i] : null;
            if (mask is not null) noise.mul_(mask.Weight);
            if (_preconditioner is null)
            {
                // Fused: −(ε/2)(nβ g + γ(w − w*)) + √ε ξ.
                p[i].add_(step.Gradient[i], alpha: _minusHalfEpsNBeta);
                if (step.Displacement is { } d) p[i].add_(d[i], alpha: _minusHalfEpsGamma);
                p[i].add_(noise, alpha: _sqrtEps);
            }
            else
            {
                var g = _preconditioner.G[i];
                p[i].add_(step.GradU[i] * g, alpha: _minusHalfEps).add_(noise * g.sqrt(), alpha: _sqrtEps);
            }
            if (_c.Settings.Box is PriorBox box) Sgld.Reflect(p[i], box);
            if (mask is not null) p[i].copy_(where(mask.Keep, p[i], _c.Anchor[i]));
        }
    }

    /// <summary>pSGLD's G = diag(1 / (λ + √v̂)), v̂ an exponential average of (∇U)² during burn-in; the G frozen at the
    /// last burn-in step comes from a bias-corrected average over the second half of burn-in only (the first half holds
    /// the transient from w*).</summary>
    private sealed class Preconditioner
    {
        private readonly SamplerContext _c;
        private readonly double _decay;
        private readonly Tensor[] _rms, _settled;
        private readonly long _settleFrom;
        private readonly Scalar _a, _oneMinusA;

        public Preconditioner(SamplerContext context, double decay)
        {
            _c = context;
            _decay = decay;
            _rms = context.Parameters.Select(t => zeros_like(t)).ToArray();
            _settled = context.Parameters.Select(t => zeros_like(t)).ToArray();
            G = context.Parameters.Select(t => ones_like(t)).ToArray();
            _settleFrom = context.Settings.BurnIn / 2;
            _a = Scalars.Of(decay);
            _oneMinusA = Scalars.Of(1 - decay);
        }

        public Tensor[] G { get; }

        public void Adapt(LangevinStep step)
        {
            long burnIn = _c.Settings.BurnIn;
            if (step.Index >= burnIn) return;
            for (int i = 0; i < G.Length; i++)
            {
                var gu = step.GradU[i];
                _rms[i].mul_(_a).addcmul_(gu, gu, value: _oneMinusA);
                if (step.Index >= _settleFrom) _settled[i].mul_(_a).addcmul_(gu, gu, value: _oneMinusA);
                var v = step.Index == burnIn - 1
                    ? _settled[i] / Scalars.Of(1 - Math.Pow(_decay, step.Index - _settleFrom + 1))
                    : _rms[i].clone();
                G[i].copy_(v.sqrt_().PlusInPlace(RmsPropFloor).reciprocal_());
            }
        }
    }
}
