using Slt.Estimators;
using Slt.Model;
using Slt.Platform;
using Slt.Sampling;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Sampling;

/// <summary>The whole transformer LLC on the device <c>SLT_DEVICE</c> names (the CPU here; CUDA where a build and a GPU
/// have it): every tensor the target and the sampler create must live there, or libtorch refuses to mix them.</summary>
[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class DeviceTests
{
    [Fact]
    public void TransformerLlcRunsEndToEndOnTheChosenDevice()
    {
        TorchRuntime.Initialize();
        var device = TorchRuntime.Device;
        var spec = CorpusSpec.Default;
        using var model = new Transformer(new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 16, Layers: 1, Heads: 2), seed: 3);
        model.to(device);
        model.eval();
        var before = model.parameters().Select(p => p.detach().clone()).ToArray();
        var sample = new CorpusGenerator(new TrueDistribution(spec)).Sample(32, seed: 5);
        using var target = NextTokenTarget.Create(model, sample);
        var settings = new SgldSettings
        {
            StepSize = 1e-4, Localization = 100, Chains = 2, BurnIn = 10, Draws = 8, StepsBetweenDraws = 2, BatchSize = 4, Seed = 3,
            DrawLoss = DrawLoss.MiniBatchExcess, MalaEvery = 3,
        };
        foreach (var s in new[] { settings, settings with { DrawLoss = DrawLoss.EvaluationSet, RmsPropDecay = 0.9 } })
        {
            var result = LocalLearningCoefficient.Estimate(target, s);
            // (An untrained model's w* is no minimum, so the verdict may well refuse a number: only the plumbing is checked.)
            Assert.Equal(2, result.Run.Chains);
            Assert.All(result.Run.Draws, chain => Assert.All(chain, l => Assert.True(double.IsFinite(l))));
            Assert.All(result.Run.Baseline, l => Assert.True(double.IsFinite(l)));
            Assert.All(result.Run.MalaAcceptance, a => Assert.InRange(a, 0.0, 1.0));
        }
        foreach (var (p, w) in model.parameters().Zip(before))
        {
            Assert.Equal(device.type, p.device.type);
            Assert.True(p.detach().equal(w).all().item<bool>(), "the module is back at w* after sampling");
        }
    }

    /// <summary>A deep linear network (closed-form gradient, mini-batches, functional variance) on the chosen device; its
    /// data are the same on every device.</summary>
    [Fact]
    public void DeepLinearNetworkLlcRunsOnTheChosenDevice()
    {
        TorchRuntime.Initialize();
        using var onDevice = new Slt.GroundTruth.DeepLinearNetworkTarget([3, 2, 3], 0, 2000, seed: 4, device: TorchRuntime.Device);
        using var onCpu = new Slt.GroundTruth.DeepLinearNetworkTarget([3, 2, 3], 0, 2000, seed: 4);
        Assert.Equal(onCpu.Inputs.to(CPU).sum().item<double>(), onDevice.Inputs.to(CPU).sum().item<double>());
        var settings = new SgldSettings { StepSize = 1e-5, Localization = 1, Chains = 4, BurnIn = 50, Draws = 10, StepsBetweenDraws = 5, BatchSize = 100, MalaEvery = 3 };
        var result = LocalLearningCoefficient.Estimate(onDevice, settings);
        Assert.All(result.Run.Draws, chain => Assert.All(chain, l => Assert.True(double.IsFinite(l))));
        Assert.NotNull(result.Run.FunctionalVariance);
    }

    /// <summary>The batched potential chains on the chosen device, with a box (reflection and its MALA density).</summary>
    [Fact]
    public void PotentialLlcRunsOnTheChosenDevice()
    {
        TorchRuntime.Initialize();
        var target = new Slt.GroundTruth.PotentialTarget(Slt.GroundTruth.NormalCrossingPotential.Parse("1,1")) { Device = TorchRuntime.Device };
        var settings = new SgldSettings { StepSize = 1e-4, NBeta = 1000, Box = PriorBox.Symmetric(1), Chains = 64, BurnIn = 200, Draws = 20, StepsBetweenDraws = 5, MalaEvery = 3 };
        var result = LocalLearningCoefficient.Estimate(target, settings);
        Assert.NotNull(result.Mean);
        Assert.All(result.Run.MalaAcceptance, a => Assert.InRange(a, 0.0, 1.0));
    }
}
