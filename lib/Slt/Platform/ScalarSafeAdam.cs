using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Slt.Platform;

/// <summary>
/// Adam (Kingma and Ba 2015) without TorchSharp's implicit <see cref="Scalar"/> temporaries: the same update as
/// <c>torch.optim.Adam</c> (no weight decay, no amsgrad), with its constants taken from <see cref="Scalars"/> and its
/// per-step factors held in tensors. TorchSharp 0.107's optimizers convert doubles to scalars on every step; under
/// garbage-collection pressure (several fits in parallel) a finalizer freed one mid-call and libtorch failed in
/// <c>Scalar::toFloat</c> (see <see cref="Scalars"/>). Used where fits run in parallel (<c>FittedContextMap</c>,
/// <c>OptimumRefinement</c>).
/// </summary>
public sealed class ScalarSafeAdam : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _first, _second;
    private readonly double _beta1, _beta2, _epsilon;
    private long _step;

    /// <summary>An optimizer over <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">No parameters, or a rate or β outside its range.</exception>
    public ScalarSafeAdam(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        if (_parameters.Length == 0) throw new ArgumentException("Adam needs at least one parameter.", nameof(parameters));
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentException($"beta1 must be in [0, 1), got {beta1}.", nameof(beta1));
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentException($"beta2 must be in [0, 1), got {beta2}.", nameof(beta2));
        if (!(epsilon > 0)) throw new ArgumentException($"epsilon must be positive, got {epsilon}.", nameof(epsilon));
        LearningRate = learningRate;
        (_beta1, _beta2, _epsilon) = (beta1, beta2, epsilon);
        _first = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _second = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>η of the next step (a schedule may change it between steps).</summary>
    public double LearningRate
    {
        get;
        set => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentException($"The learning rate must be positive, got {value}.", nameof(value));
    }

    /// <summary>Sets every parameter's gradient to zero (or leaves it absent).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
            if (p.grad is { } g) g.zero_();
    }

    /// <summary>One Adam step from the parameters' current gradients (a parameter without a gradient is left alone).</summary>
    public void Step()
    {
        _step++;
        double correction1 = 1 - Math.Pow(_beta1, _step), correction2 = 1 - Math.Pow(_beta2, _step);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var g = _parameters[i].grad;
            if (g is null) continue;
            _first[i].mul_(Scalars.Of(_beta1)).add_(g, Scalars.Of(1 - _beta1));
            _second[i].mul_(Scalars.Of(_beta2)).addcmul_(g, g, Scalars.Of(1 - _beta2));
            // p ← p − η/c₁ · m / (√v / √c₂ + ε); the step's factors live in tensors, not in per-step scalars.
            var denominator = _second[i].sqrt().mul_(tensor(1 / Math.Sqrt(correction2), dtype: g.dtype, device: g.device)).add_(Scalars.Of(_epsilon), Scalars.Of(1.0));
            var update = _first[i].div(denominator).mul_(tensor(LearningRate / correction1, dtype: g.dtype, device: g.device));
            _parameters[i].add_(update, Scalars.Of(-1.0));
        }
    }

    /// <summary>Frees the moment estimates.</summary>
    public void Dispose()
    {
        foreach (var t in _first) t.Dispose();
        foreach (var t in _second) t.Dispose();
    }
}
