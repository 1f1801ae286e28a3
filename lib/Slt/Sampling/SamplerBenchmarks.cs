using System.Diagnostics;
using Slt.GroundTruth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>Cost of one SGLD step against one plain SGD step on the same model and batch.</summary>
/// <param name="SgdMillisecondsPerStep">Forward, backward and torch.optim.SGD step.</param>
/// <param name="SgldMillisecondsPerStep">One step of <see cref="Sgld"/> without MALA tracking.</param>
/// <param name="SgldWithMalaMillisecondsPerStep">With MALA tracked on every 10th proposal (the default).</param>
/// <remarks>Times are process CPU time per step (libtorch on one thread), so other programs on a shared machine do
/// not distort the ratio; each figure is the fastest of six rounds in alternating order.</remarks>
public sealed record StepCost(double SgdMillisecondsPerStep, double SgldMillisecondsPerStep, double SgldWithMalaMillisecondsPerStep)
{
    public double Ratio => SgldMillisecondsPerStep / SgdMillisecondsPerStep;
    public double RatioWithMala => SgldWithMalaMillisecondsPerStep / SgdMillisecondsPerStep;
}

/// <summary>Chains × steps of one batched SGLD run (<see cref="Sgld.Run"/>, everything it does: baseline, steps, draws,
/// diagnostics' inputs) over its process CPU time and its wall-clock time.</summary>
public sealed record Throughput(int Chains, long StepsPerChain, double CpuSeconds, double WallSeconds)
{
    public double ChainStepsPerCpuSecond => Chains * (double)StepsPerChain / CpuSeconds;
    public double ChainStepsPerWallSecond => Chains * (double)StepsPerChain / WallSeconds;
}

/// <summary>Resident memory of the process along a long SGLD run.</summary>
public sealed record MemoryTrace(long Steps, double StartMiB, double MiddleMiB, double EndMiB)
{
    /// <summary>Growth from the middle to the end, in MiB (flat when near zero).</summary>
    public double LateGrowthMiB => EndMiB - MiddleMiB;
}

/// <summary>Benchmarks printed by <c>slt bench</c> (figures, not timed tests).</summary>
public static class SamplerBenchmarks
{
    /// <summary>
    /// Times SGD and SGLD steps on the same module and batch (CPU time), six rounds in alternating order, keeping each one's
    /// fastest. The module's weights are restored afterwards.
    /// </summary>
    /// <param name="model">The module; its weights are w* and are restored afterwards.</param>
    /// <param name="batchLoss">The mean loss on the fixed batch (differentiable).</param>
    /// <param name="steps">Steps per measurement (≥ 10).</param>
    /// <param name="learningRate">The SGD learning rate.</param>
    /// <param name="sgld">ε, nβ and γ of the SGLD side (default ε = 1e−6, nβ = 100, γ = 1; the cost does not depend on
    /// their values as long as γ ≠ 0); chains, burn-in, draws and MALA tracking are set here.</param>
    public static StepCost SgldOverSgd(nn.Module model, Func<Tensor> batchLoss, int steps = 100, double learningRate = 1e-3, SgldSettings? sgld = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (steps < 10) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 10.");
        var saved = model.parameters().Select(p => p.detach().clone()).ToArray();
        using var target = new ModuleTarget(model, 1, _ => batchLoss());
        sgld = (sgld ?? new SgldSettings { StepSize = 1e-6, NBeta = 100, Localization = 1 }) with
        {
            Chains = 1, BurnIn = 0, Draws = steps, StepsBetweenDraws = 1, BatchSize = null, TrackMalaAcceptance = false,
        };
        double sgd = double.MaxValue, plain = double.MaxValue, mala = double.MaxValue;
        Sgld.Run(target, sgld with { Draws = 10 }); // warm-up: first-call costs belong to neither side
        for (int round = 0; round < 6; round++)
        {
            // Alternate the order so that whatever one measurement leaves behind is charged to each side equally.
            var measurements = new Action[]
            {
                () => { sgd = Math.Min(sgd, CpuMilliseconds(() => Sgd(model, batchLoss, steps, learningRate)) / steps); Restore(model, saved); },
                () => plain = Math.Min(plain, CpuMilliseconds(() => Sgld.Run(target, sgld)) / steps),
                () => mala = Math.Min(mala, CpuMilliseconds(() => Sgld.Run(target, sgld with { TrackMalaAcceptance = true })) / steps),
            };
            foreach (var m in round % 2 == 0 ? measurements : measurements.Reverse()) m();
        }
        Restore(model, saved);
        foreach (var t in saved) t.Dispose();
        return new StepCost(sgd, plain, mala);
    }

    private static double CpuMilliseconds(Action work)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Sgld.CpuTime();
        work();
        return (Sgld.CpuTime() - before).TotalMilliseconds;
    }

    private static void Sgd(nn.Module model, Func<Tensor> batchLoss, int steps, double lr)
    {
        var optimizer = optim.SGD(model.parameters(), lr);
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            batchLoss().backward();
            optimizer.step();
        }
    }

    private static void Restore(nn.Module model, Tensor[] saved)
    {
        using var noGrad = no_grad();
        foreach (var (p, s) in model.parameters().Zip(saved)) p.copy_(s);
    }

    /// <summary>
    /// Chain-steps per second on the potential <paramref name="terms"/> with all chains in one batched tensor: nβ = 1000,
    /// ε = <paramref name="stepSize"/>, no localization, the box [−1, 1]², <paramref name="steps"/> steps per chain (half
    /// burn-in, then 10 draws spread over the rest).
    /// </summary>
    public static Throughput Potential(string terms = "1,1", int chains = 100_000, int steps = 1000, bool trackMala = false, double stepSize = 1e-4)
    {
        if (steps < 20) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 20.");
        var target = new PotentialTarget(NormalCrossingPotential.Parse(terms));
        var settings = new SgldSettings
        {
            StepSize = stepSize, NBeta = 1000, Box = PriorBox.Symmetric(1), Chains = chains, BurnIn = steps - steps / 20 * 10, Draws = 10,
            StepsBetweenDraws = steps / 20, TrackMalaAcceptance = trackMala,
        };
        return Measure(target, settings);
    }

    /// <summary>
    /// Chain-steps per second on the deep linear network <paramref name="widths"/> with a rank-<paramref name="rank"/>
    /// teacher (w* = the teacher) and <paramref name="n"/> data points: mini-batches of <paramref name="batchSize"/>,
    /// ε = 2e−5, γ = 1, nβ = n / log n, MALA tracked (the default), <paramref name="steps"/> steps per chain (a third
    /// burn-in, then a draw every step, each evaluated on all n points), all chains in one batched tensor.
    /// </summary>
    public static Throughput DeepLinear(int[] widths, int rank = 0, long n = 100_000, int? batchSize = 1000, int chains = 4, int steps = 4500, long seed = 1)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (steps < 12) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 12.");
        using var target = new DeepLinearNetworkTarget(widths, rank, n, seed);
        var settings = new SgldSettings
        {
            StepSize = 2e-5, Localization = 1, Chains = chains, BurnIn = steps / 3, Draws = steps - steps / 3, StepsBetweenDraws = 1,
            BatchSize = batchSize, Seed = seed,
        };
        return Measure(target, settings);
    }

    private static Throughput Measure(ITemperedTarget target, SgldSettings settings)
    {
        SamplingRun? run = null;
        double cpu = CpuMilliseconds(() => run = Sgld.Run(target, settings)) / 1000;
        return new Throughput(settings.Chains, settings.TotalSteps, cpu, run!.Seconds);
    }

    /// <summary>The default transformer's LLC as notebook 02 takes it: the default recipe's model (training cache), 256
    /// windows of seed 11, <see cref="NextTokenTarget.DefaultSettings"/>. Its bulk-ESS over the run's CPU seconds is the
    /// speed figure that counts (a faster step that mixes worse is no gain).</summary>
    public static Slt.Estimators.LlcResult DefaultTransformerLlc()
    {
        var recipe = Slt.Training.TrainingRunConfig.Default;
        var (model, _) = Slt.Training.TrainedModelCache.GetOrTrain(recipe);
        var windows = new Slt.Truth.CorpusGenerator(new Slt.Truth.TrueDistribution(recipe.Corpus)).Sample(NextTokenTarget.DefaultWindows, seed: 11);
        using var target = NextTokenTarget.Create(model, windows);
        return Slt.Estimators.LocalLearningCoefficient.Estimate(target, NextTokenTarget.DefaultSettings);
    }

    /// <summary>
    /// Resident set size at the start, middle and end of <paramref name="steps"/> SGLD steps on a deep linear network with
    /// mini-batches (autograd, random batches, recorded draws: every allocation path of the sampler).
    /// </summary>
    public static MemoryTrace Memory(long steps = 10_000)
    {
        using var target = new DeepLinearNetworkTarget([5, 3, 5], 0, 20_000, seed: 1);
        var settings = new SgldSettings
        {
            StepSize = 1e-5, Localization = 1, Chains = 4, BurnIn = 0, Draws = (int)(steps / 10), StepsBetweenDraws = 10, BatchSize = 500,
        };
        double start = Rss(), middle = double.NaN;
        var probe = new Inline(p =>
        {
            if (double.IsNaN(middle) && p.Step >= p.TotalSteps / 2) middle = Rss();
        });
        Sgld.Run(target, settings, probe);
        return new MemoryTrace(settings.TotalSteps, start, middle, Rss());
    }

    private static double Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    private sealed class Inline(Action<SamplingProgress> report) : IProgress<SamplingProgress>
    {
        public void Report(SamplingProgress value) => report(value);
    }
}
