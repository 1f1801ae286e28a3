using Slt.Losses;
using Slt.Platform;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Estimators;

/// <summary>What refining w* did: the loss (per window) and the gradient's norm before and after, and the distance moved.
/// For <see cref="OptimumRefinement"/> they are L_n and ‖∇L_n‖ of the sample; for <see cref="PopulationRefinement"/>
/// (<see cref="FreshWindowsPerStep"/> set) the population's, estimated from two held-out samples.</summary>
public sealed record RefinementResult(int Steps, double LearningRate, double LossBefore, double LossAfter, double GradientNormBefore,
    double GradientNormAfter, double Distance)
{
    /// <summary>Null for full-batch steps on the sample; else the fresh windows drawn from the truth at every step.</summary>
    public int? FreshWindowsPerStep { get; init; }

    /// <summary>The population gradient before refining (population refinement only).</summary>
    public PopulationGradient? PopulationBefore { get; init; }

    /// <summary>The population gradient after refining (population refinement only).</summary>
    public PopulationGradient? PopulationAfter { get; init; }

    /// <summary>One line for a report.</summary>
    public string Summary => FreshWindowsPerStep is int fresh
        ? $"w* moved towards the population optimum by {Steps} Adam steps on {fresh} fresh windows each (lr {LearningRate:G3} → 0): " +
          $"L {LossBefore:F4} → {LossAfter:F4}, ‖∇L‖ {GradientNormBefore:G3} → {GradientNormAfter:G3} (noise of {PopulationAfter?.Windows} windows " +
          $"{PopulationAfter?.Noise:G3}), moved ‖Δw‖ = {Distance:G3}."
        : $"w* refined by {Steps} full-batch Adam steps (lr {LearningRate:G3}): L_n {LossBefore:F5} → {LossAfter:F5}, " +
          $"‖∇L_n‖ {GradientNormBefore:G3} → {GradientNormAfter:G3}, moved ‖Δw‖ = {Distance:G3}.";
}

/// <summary>
/// Moves a trained model to a nearby critical point of the sample's own loss before its LLC is measured. The LLC is
/// defined at a local minimum of L_n; the end of training is not one of the sample's loss (training saw other data, and
/// stopped with a learning rate &gt; 0), so L_n(w) − L_n(w*) has a linear term g·(w − w*) that the localization alone
/// holds in check: the chains drift along −g until γ stops them, and λ̂ then depends on γ through that drift
/// (docs/transformer-llc.md). Full-batch Adam on L_n removes most of g.
/// </summary>
public static class OptimumRefinement
{
    /// <summary>Runs <paramref name="steps"/> full-batch Adam steps on L_n = mean per-window negative log-likelihood of
    /// <paramref name="sample"/>, in place on <paramref name="model"/>'s weights.</summary>
    /// <exception cref="ArgumentOutOfRangeException">steps &lt; 0 or the learning rate is not positive and finite.</exception>
    public static RefinementResult Refine(nn.Module<Tensor, Tensor> model, WindowSample sample, int steps = 300, double learningRate = 1e-4,
        IProgress<(int Step, int Steps)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 0.");
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learningRate must be positive and finite.");
        var parameters = model.parameters().ToArray();
        var device = parameters[0].device;
        using var windows = sample.ToTensor().to(device);
        var start = parameters.Select(p => p.detach().clone()).ToArray();
        var (lossBefore, gradBefore) = LossAndGradientNorm(model, windows, parameters);
        using (var optimizer = optim.Adam(parameters, learningRate))
        {
            for (int step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                Step(model, optimizer, windows, step);
                progress?.Report((step + 1, steps));
            }
        }
        foreach (var p in parameters) p.grad?.zero_();
        var (lossAfter, gradAfter) = LossAndGradientNorm(model, windows, parameters);
        return new RefinementResult(steps, learningRate, lossBefore, lossAfter, gradBefore, gradAfter, DistanceMoved(parameters, start));
    }

    /// <summary>‖w − w_start‖ over all parameters; disposes the saved <paramref name="start"/>.</summary>
    internal static double DistanceMoved(IReadOnlyList<Tensor> parameters, Tensor[] start)
    {
        using (no_grad())
        {
            using var scope = NewDisposeScope();
            double distance = Math.Sqrt(parameters.Zip(start).Sum(z => (z.First - z.Second).Squared().sum().to_type(ScalarType.Float64).item<double>()));
            foreach (var t in start) t.Dispose();
            return distance;
        }
    }

    /// <summary>One Adam step on the mean per-window loss of <paramref name="windows"/> (the caller holds the dispose scope).</summary>
    /// <exception cref="InvalidOperationException">The loss is not finite.</exception>
    internal static void Step(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor windows, int step)
    {
        optimizer.zero_grad();
        var loss = NextTokenLoss.PerWindow(model, windows).mean();
        if (!double.IsFinite(loss.to_type(ScalarType.Float64).item<double>()))
            throw new InvalidOperationException($"Refining w* diverged at step {step + 1} (the loss is not finite); lower the learning rate.");
        loss.backward();
        optimizer.step();
    }

    /// <summary>L_n (mean per-window negative log-likelihood) and ‖∇L_n‖ at the model's current weights.</summary>
    public static (double Loss, double GradientNorm) LossAndGradientNorm(nn.Module<Tensor, Tensor> model, Tensor windows, IReadOnlyList<Tensor> parameters)
    {
        using var scope = NewDisposeScope();
        var loss = NextTokenLoss.PerWindow(model, windows).mean();
        var grads = autograd.grad([loss], parameters.ToArray(), allow_unused: true);
        double squared = grads.Where(g => g is { IsInvalid: false }).Sum(g => g.Squared().sum().to_type(ScalarType.Float64).item<double>());
        return (loss.to_type(ScalarType.Float64).item<double>(), Math.Sqrt(squared));
    }
}
