using Slt.Model;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Training;

/// <summary>What ties a result shipped in <c>data/results</c> to the model it measured
/// (<see cref="Configuration.ShippedResults"/>): the model's mean per-window loss on a fixed sample. A retrained model
/// that differs in any way that matters reads differently, so the shipped result is recomputed.</summary>
public static class ModelFingerprint
{
    /// <summary>The mean per-window loss of <paramref name="model"/> on <paramref name="sample"/> (evaluation mode, float).</summary>
    public static double Of(Transformer model, WindowSample sample)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        return Losses.NextTokenLoss.PerWindow(model, sample.ToTensor()).mean().item<float>();
    }
}
