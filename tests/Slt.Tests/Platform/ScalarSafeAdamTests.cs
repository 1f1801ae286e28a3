using Slt.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Platform;

/// <summary>The scalar-safe Adam takes torch.optim.Adam's steps (same moments, bias corrections and schedule).</summary>
[Collection(Slt.Tests.Training.SequentialTorchCollection.Name)]
public sealed class ScalarSafeAdamTests
{
    [Fact]
    public void ItTakesTheStepsOfTorchAdam()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var target = randn([7, 3], dtype: ScalarType.Float64, generator: generator);
        var ours = new TorchSharp.Modules.Parameter(randn([7, 3], dtype: ScalarType.Float64, generator: generator));
        var theirs = new TorchSharp.Modules.Parameter(ours.detach().clone());
        using var adam = new ScalarSafeAdam([ours], 0.05);
        using var reference = optim.Adam([theirs], lr: 0.05);
        for (int step = 0; step < 25; step++)
        {
            double lr = 0.05 / (1 + step);   // a schedule, set between steps
            adam.LearningRate = lr;
            foreach (var g in reference.ParamGroups) g.LearningRate = lr;
            adam.ZeroGrad();
            reference.zero_grad();
            (ours - target).pow(4).sum().backward();
            (theirs - target).pow(4).sum().backward();
            adam.Step();
            reference.step();
        }
        double gap = (ours - theirs).abs().max().item<double>();
        double moved = (ours - target).abs().max().item<double>();
        Assert.True(gap < 1e-12, $"max |Δ| = {gap} from torch.optim.Adam");
        Assert.True(moved > 1e-3, "the test needs the parameters to still be moving");
    }

    [Fact]
    public void BadSettingsAreRefused()
    {
        var p = new TorchSharp.Modules.Parameter(zeros(2));
        Assert.Throws<ArgumentException>(() => new ScalarSafeAdam([], 0.1));
        Assert.Throws<ArgumentException>(() => new ScalarSafeAdam([p], 0));
        Assert.Throws<ArgumentException>(() => new ScalarSafeAdam([p], 0.1, beta1: 1));
    }
}
