using Slt.Losses;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Estimators;

/// <summary>
/// Products with the Hessian of a sample's loss at the model's current weights, ∇²L_n(w*) v, where
/// L_n = mean per-window negative log-likelihood (docs/transformer-llc.md §1): the operator <see cref="HessianSpectrum"/>
/// probes. The gradient's graph is built once; each product is one more backward pass through it (double backward).
/// Vectors are flat arrays in the order of <c>model.parameters()</c>; the product follows the model's device.
/// </summary>
public sealed class LossHessian : IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly Tensor _gradient;
    private readonly Device _device;
    private readonly double[] _weightsChecksum;
    private bool _disposed;

    /// <summary>Builds ∇L_n on <paramref name="sample"/> at <paramref name="model"/>'s weights (evaluation mode).</summary>
    /// <exception cref="ArgumentException">The model has no parameters that require gradients.</exception>
    public LossHessian(nn.Module<Tensor, Tensor> model, WindowSample sample)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        _parameters = model.parameters().Where(p => p.requires_grad).ToArray();
        if (_parameters.Length == 0) throw new ArgumentException("The model has no parameters that require gradients.", nameof(model));
        _device = _parameters[0].device;
        Dimension = _parameters.Sum(p => p.numel());
        model.eval();
        using var scope = NewDisposeScope();
        using var windows = sample.ToTensor().to(_device);
        var loss = NextTokenLoss.PerWindow(model, windows).mean();
        var grads = autograd.grad([loss], _parameters, create_graph: true, retain_graph: true, allow_unused: true);
        var flat = Flatten(grads, _parameters);
        Loss = loss.to_type(ScalarType.Float64).item<double>();
        GradientNorm = flat.detach().to_type(ScalarType.Float64).norm().item<double>();
        _gradient = flat.DetachFromDisposeScope();
        _weightsChecksum = Checksum();
    }

    /// <summary>Σw and Σw² per parameter: a product through a graph whose weights were changed in place would end the
    /// process inside libtorch, so every product first checks that they were not.</summary>
    private double[] Checksum()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return _parameters.SelectMany(p =>
        {
            var w = p.detach().to_type(ScalarType.Float64);
            return new[] { w.sum().item<double>(), w.square().sum().item<double>() };
        }).ToArray();
    }

    /// <summary>d, the number of parameters.</summary>
    public long Dimension { get; }

    /// <summary>L_n(w*), per window.</summary>
    public double Loss { get; }

    /// <summary>‖∇L_n(w*)‖.</summary>
    public double GradientNorm { get; }

    /// <summary>∇²L_n(w*) v for a flat vector v of length <see cref="Dimension"/>.</summary>
    /// <exception cref="ArgumentException">v has the wrong length.</exception>
    /// <exception cref="InvalidOperationException">The model's weights were changed since this object was made.</exception>
    public double[] Times(double[] v)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(v);
        if (v.Length != Dimension) throw new ArgumentException($"v has {v.Length} entries; the model has {Dimension} parameters.", nameof(v));
        if (!Checksum().SequenceEqual(_weightsChecksum))
            throw new InvalidOperationException("The model's weights changed after this Hessian was formed; form a new LossHessian at the new weights.");
        using var scope = NewDisposeScope();
        var direction = tensor(v, dtype: ScalarType.Float64).to(_gradient.dtype).to(_device);
        var dot = (_gradient * direction).sum();
        var products = autograd.grad([dot], _parameters, retain_graph: true, allow_unused: true);
        var flat = Flatten(products, _parameters);
        return flat.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
    }

    /// <summary>Per-parameter gradients as one flat vector in parameter order, zeros for a parameter the loss does not use.</summary>
    internal static Tensor Flatten(IEnumerable<Tensor> gradients, IReadOnlyList<Tensor> parameters) =>
        cat(gradients.Select((g, i) => g is { IsInvalid: false } ? g.reshape(-1) : zeros(parameters[i].numel(), device: parameters[i].device)).ToArray());

    /// <summary>The spectrum of ∇²L_n at <paramref name="model"/>'s weights on <paramref name="sample"/>.</summary>
    public static HessianSpectrum Spectrum(nn.Module<Tensor, Tensor> model, WindowSample sample, SpectrumSettings? settings = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        using var hessian = new LossHessian(model, sample);
        return HessianSpectrum.Estimate(hessian.Times, hessian.Dimension, settings, progress, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _gradient.Dispose();
    }
}
