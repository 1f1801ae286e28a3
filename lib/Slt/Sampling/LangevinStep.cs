using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>
/// What one SGLD step knows about the current state w of its chains before moving: L(w) on the step's batch, ∇L,
/// the displacement w − w*, and, computed once and only when something asks for it, ∇U = nβ∇L + γ(w − w*).
/// Observers read it; the <see cref="LangevinKernel"/> moves w from it.
/// </summary>
internal sealed class LangevinStep
{
    private readonly SamplerContext _c;
    private Tensor[]? _gradU;

    public LangevinStep(SamplerContext context, long index, Tensor? batch, Tensor loss, Tensor? excess, Tensor[] gradient)
    {
        _c = context;
        Index = index;
        Batch = batch;
        Loss = loss.detach();
        Excess = excess;
        Gradient = gradient;
        Displacement = context.Gamma == 0 ? null : context.Parameters.Select((p, i) => p - context.Anchor[i]).ToArray();
    }

    /// <summary>0-based step number, burn-in included.</summary>
    public long Index { get; }

    /// <summary>Indices of the mini-batch, or null for the full batch.</summary>
    public Tensor? Batch { get; }

    /// <summary>L(w) per chain on the step's batch.</summary>
    public Tensor Loss { get; }

    /// <summary>mean_{i∈B}(ℓ_i(w) − ℓ_i(w*)) per chain when the target knows per-point losses, else null.</summary>
    public Tensor? Excess { get; }

    /// <summary>∇L(w) for each sampled parameter (zero where the loss does not depend on it).</summary>
    public Tensor[] Gradient { get; }

    /// <summary>w − w* for each sampled parameter; null when γ = 0 (not needed).</summary>
    public Tensor[]? Displacement { get; }

    /// <summary>Whether the step is past burn-in (its state counts for the estimate).</summary>
    public bool AfterBurnIn => Index >= _c.Settings.BurnIn;

    /// <summary>∇U = nβ∇L + γ(w − w*), computed on first use and kept for the rest of the step.</summary>
    public Tensor[] GradU => _gradU ??= Gradient.Select((g, i) =>
        Displacement is null ? g * _c.NBetaScalar : (g * _c.NBetaScalar).Plus(Displacement[i] * _c.GammaScalar)).ToArray();

    /// <summary>U(w) = nβL(w) + (γ/2)‖w − w*‖² per chain.</summary>
    public Tensor Potential()
    {
        var u = Loss * _c.NBetaScalar;
        if (Displacement is null) return u;
        Tensor? penalty = null;
        foreach (var d in Displacement)
        {
            var sq = _c.Group.PerChainSum(d.Squared());
            penalty = penalty is null ? sq : penalty.Plus(sq);
        }
        return u.Plus(penalty! * _c.HalfGammaScalar);
    }
}

/// <summary>The sampled rows of one tensor: <see cref="Keep"/> (bool) and <see cref="Weight"/> (1 on sampled entries, 0
/// elsewhere, in the tensor's dtype) have w*'s shape, which broadcasts against a chain dimension; <see cref="Sampled"/>
/// is the number of sampled entries per chain.</summary>
internal sealed record RowMask(Tensor Keep, Tensor Weight, long Sampled);

/// <summary>Everything one chain group's run holds constant: the group, its sampled leaves and w*, nβ, γ, ε, the
/// generator, and the TorchSharp scalars the hot loop needs, made once per run (see <see cref="Scalars"/>).</summary>
internal sealed class SamplerContext
{
    public SamplerContext(ChainGroup group, Tensor[] parameters, Tensor[] anchor, int[] index, SgldSettings settings, double nBeta, Generator generator)
    {
        Group = group;
        Parameters = parameters;
        Anchor = anchor;
        Index = index;
        Settings = settings;
        NBeta = nBeta;
        Gamma = settings.Localization;
        Epsilon = settings.StepSize;
        Generator = generator;
        NBetaScalar = Scalars.Of(nBeta);
        GammaScalar = Scalars.Of(Gamma);
        HalfGammaScalar = Scalars.Of(Gamma / 2);
    }

    public ChainGroup Group { get; }
    public Tensor[] Parameters { get; }
    public Tensor[] Anchor { get; }
    /// <summary>Positions of the sampled parameters among the target's parameters.</summary>
    public int[] Index { get; }
    public SgldSettings Settings { get; }
    public double NBeta { get; }
    public double Gamma { get; }
    public double Epsilon { get; }
    public Generator Generator { get; }
    /// <summary>Per sampled parameter, the rows that move (<see cref="SgldSettings.SampledRows"/>), or null: all of it.</summary>
    public RowMask?[] Masks
    {
        get => _masks;
        init
        {
            _masks = value;
            HasMasks = value.Any(m => m is not null);
        }
    }

    private readonly RowMask?[] _masks = [];

    /// <summary>Whether any sampled parameter is row-restricted (fixed when the masks are set: read on every step).</summary>
    public bool HasMasks { get; private init; }
    public Scalar NBetaScalar { get; }
    public Scalar GammaScalar { get; }
    public Scalar HalfGammaScalar { get; }
    public ScalarType DType => Parameters[0].dtype;
    public Device Device => Parameters[0].device;

    /// <summary>L(w) per chain, the mini-batch excess when known, and ∇L for the sampled parameters: the target's closed
    /// form where it has one, else autograd. One forward and one backward pass.</summary>
    public (Tensor Loss, Tensor? Excess, Tensor[] Gradients) Evaluate(Tensor? batch)
    {
        if (Group.LossAndGradient(batch) is var (closedLoss, allGrads))
            return (closedLoss, null, Masked(Index.Select(i => allGrads[i]).ToArray()));
        var (loss, excess) = Group.LossAndExcess(batch);
        var grads = autograd.grad([loss.sum()], Parameters, allow_unused: true);
        // A parameter the loss does not depend on (e.g. w1 in K = w2²) has no gradient: it is zero.
        var gradients = Parameters.Select((p, i) => grads[i] is { IsInvalid: false } g ? g : zeros_like(p)).ToArray();
        return (loss, excess, Masked(gradients));
    }

    /// <summary>∇L with the held rows' entries set to zero (a row-restricted run differentiates only the sampled rows;
    /// the drift, ∇U, pSGLD's statistic and the MALA check then all ignore the held ones).</summary>
    private Tensor[] Masked(Tensor[] gradients)
    {
        if (!HasMasks) return gradients;
        for (int i = 0; i < gradients.Length; i++)
            if (i < Masks.Length && Masks[i] is { } m) gradients[i] = gradients[i] * m.Weight;
        return gradients;
    }

    /// <summary>Sets every held entry back to w* exactly (after a move, a reflection or a start in the box).</summary>
    public void HoldUnsampledRows()
    {
        if (!HasMasks) return;
        using (no_grad())
            for (int i = 0; i < Parameters.Length; i++)
                if (Masks[i] is { } m) Parameters[i].copy_(where(m.Keep, Parameters[i], Anchor[i]));
    }
}
