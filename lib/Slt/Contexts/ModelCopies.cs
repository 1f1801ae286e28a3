using Slt.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Contexts;

/// <summary>Copies of a transformer's weights: the "daughter" models of the context maps start as copies of the mother.</summary>
public static class ModelCopies
{
    /// <summary>
    /// A new transformer of the same architecture holding the same weights, on the same device, in evaluation mode,
    /// converted to <paramref name="dtype"/> when given (float64 for exact identities). The original is not touched.
    /// </summary>
    public static Transformer Copy(Transformer model, ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var source = model.parameters().First();
        var copy = new Transformer(model.Config);
        // A module built inside a dispose scope would lose tensors to it when the scope ends (TorchSharp registers some
        // of them, e.g. an embedding's weight, with the current scope): the copy's tensors belong to the copy alone.
        foreach (var p in copy.parameters()) p.DetachFromDisposeScope();
        foreach (var b in copy.buffers()) b.DetachFromDisposeScope();
        copy.to(dtype ?? source.dtype);
        if (source.device.type != DeviceType.CPU) copy.to(source.device);
        using (no_grad())
        {
            foreach (var ((name, target), (sourceName, value)) in copy.named_parameters().Zip(model.named_parameters()))
            {
                if (name != sourceName) throw new InvalidOperationException($"parameter order differs: '{name}' against '{sourceName}'.");
                target.copy_(value);
            }
        }
        foreach (var p in copy.parameters()) p.DetachFromDisposeScope();
        copy.eval();
        return copy;
    }

    /// <summary>The parameter called <paramref name="name"/>; an unknown name is an error that lists the known ones.</summary>
    public static TorchSharp.Modules.Parameter Parameter(Transformer model, string name)
    {
        foreach (var (n, p) in model.named_parameters())
            if (n == name) return p;
        throw new ArgumentException(
            $"The model has no parameter '{name}'. Known parameters: {string.Join(", ", model.named_parameters().Select(p => p.name))}.", nameof(name));
    }
}
