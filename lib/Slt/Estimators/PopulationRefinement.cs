using Slt.Losses;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Estimators;

/// <summary>The gradient of the population loss L(w) = E_q[ℓ(w)] at a point, from two independent samples A and B of the
/// truth: g_A·g_B is an unbiased estimate of ‖∇L‖² (the samples' noises are independent and have mean zero), and
/// (‖g_A‖² + ‖g_B‖²)/2 − g_A·g_B one of the noise ‖g_A − ∇L‖² of a sample of this size.</summary>
/// <param name="SquaredNorm">g_A·g_B, the unbiased estimate of ‖∇L‖² (it can come out negative when the noise dominates).</param>
/// <param name="Norm">√max(g_A·g_B, 0): ‖∇L‖ of the population loss (per window).</param>
/// <param name="Noise">The gradient noise of one sample of <paramref name="Windows"/> windows (its ‖g − ∇L‖).</param>
/// <param name="Loss">The mean per-window loss over both samples.</param>
/// <param name="Windows">Windows per sample.</param>
public sealed record PopulationGradient(double SquaredNorm, double Norm, double Noise, double Loss, int Windows)
{
    /// <summary>One line for a report.</summary>
    public override string ToString() => $"‖∇L‖ ≈ {Norm:G3} (noise of {Windows} windows {Noise:G3}), L = {Loss:F4}";
}

/// <summary>
/// Moves a trained transformer towards a critical point of the population loss: Adam steps on fresh windows drawn from the
/// truth at every step (so nothing is memorised), with the learning rate decaying linearly to zero. The alternative to
/// <see cref="OptimumRefinement"/>, which minimises one sample's loss and overfits it (docs/transformer-llc.md §3).
/// </summary>
public static class PopulationRefinement
{
    /// <summary>Refines <paramref name="model"/> in place; reports the population gradient before and after.</summary>
    /// <param name="model">The model (its weights change).</param>
    /// <param name="generator">Draws windows from the truth.</param>
    /// <param name="steps">Adam steps.</param>
    /// <param name="batchWindows">Fresh windows per step.</param>
    /// <param name="learningRate">The first step's learning rate; it falls linearly to zero.</param>
    /// <param name="seed">Names the streams of the batches and of the two probe samples.</param>
    /// <param name="probeWindows">Windows in each of the two samples that estimate the population gradient.</param>
    /// <param name="progress">Receives (step, steps).</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count below one or a learning rate that is not positive and finite.</exception>
    public static RefinementResult Refine(nn.Module<Tensor, Tensor> model, CorpusGenerator generator, int steps, int batchWindows = 512,
        double learningRate = 1e-4, long seed = 1, int probeWindows = 2048, IProgress<(int Step, int Steps)>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(generator);
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 1.");
        if (batchWindows < 1) throw new ArgumentOutOfRangeException(nameof(batchWindows), batchWindows, "batchWindows must be ≥ 1.");
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learningRate must be positive and finite.");
        var parameters = model.parameters().ToArray();
        var device = parameters[0].device;
        var before = Gradient(model, generator, probeWindows, seed);
        var start = parameters.Select(p => p.detach().clone()).ToArray();
        model.train();
        using (var optimizer = optim.Adam(parameters, learningRate))
        {
            for (int step = 0; step < steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate * (1 - (double)step / steps);
                using var windows = generator.Sample(batchWindows, BatchSeed(seed, step)).ToTensor().to(device);
                OptimumRefinement.Step(model, optimizer, windows, step);
                progress?.Report((step + 1, steps));
            }
        }
        model.eval();
        foreach (var p in parameters) p.grad?.zero_();
        var after = Gradient(model, generator, probeWindows, seed);
        double distance = OptimumRefinement.DistanceMoved(parameters, start);
        return new RefinementResult(steps, learningRate, before.Loss, after.Loss, before.Norm, after.Norm, distance)
        {
            FreshWindowsPerStep = batchWindows,
            PopulationBefore = before,
            PopulationAfter = after,
        };
    }

    /// <summary>The population gradient at <paramref name="model"/>'s weights from two samples of <paramref name="windows"/>
    /// windows (the streams named by <paramref name="seed"/>; evaluation mode).</summary>
    public static PopulationGradient Gradient(nn.Module<Tensor, Tensor> model, CorpusGenerator generator, int windows = 2048, long seed = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(generator);
        if (windows < 1) throw new ArgumentOutOfRangeException(nameof(windows), windows, "windows must be ≥ 1.");
        model.eval();
        var parameters = model.parameters().Where(p => p.requires_grad).ToArray();
        var device = parameters[0].device;
        using var scope = NewDisposeScope();
        (Tensor Gradient, double Loss) On(long probeSeed)
        {
            using var sample = generator.Sample(windows, probeSeed).ToTensor().to(device);
            var loss = NextTokenLoss.PerWindow(model, sample).mean();
            var grads = autograd.grad([loss], parameters, allow_unused: true);
            var flat = LossHessian.Flatten(grads, parameters);
            return (flat.to_type(ScalarType.Float64), loss.to_type(ScalarType.Float64).item<double>());
        }
        var (a, lossA) = On(ProbeSeed(seed, 0));
        var (b, lossB) = On(ProbeSeed(seed, 1));
        double ab = a.dot(b).item<double>(), aa = a.dot(a).item<double>(), bb = b.dot(b).item<double>();
        return new PopulationGradient(ab, Math.Sqrt(Math.Max(ab, 0)), Math.Sqrt(Math.Max((aa + bb) / 2 - ab, 0)), (lossA + lossB) / 2, windows);
    }

    private static long BatchSeed(long seed, int step) => 7_000_000_000L + seed * 1_000_000L + step;

    private static long ProbeSeed(long seed, int which) => 8_000_000_000L + seed * 2 + which;
}
