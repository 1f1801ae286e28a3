using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Tests.Platform;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void TorchLoadsAndBackwardGivesAnalyticGradient()
    {
        var device = TorchRuntime.Initialize();
        var result = TorchSmokeTest.Run(device);
        Assert.True(result.Passed, result.Message);
        Assert.Equal(result.Expected, result.Gradient);
    }

    [Fact]
    public void MatrixProductGradientMatchesClosedForm()
    {
        // f(A) = Σ (A x)_i  ⇒  ∂f/∂A_ij = x_j for every row i.
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        var a = randn(3, 4, dtype: ScalarType.Float64, generator: new TorchSharp.torch.Generator(7)).requires_grad_();
        var x = tensor(new double[] { 1, -2, 0.5, 3 }, dtype: ScalarType.Float64);
        matmul(a, x).sum().backward();
        var expected = x.unsqueeze(0).expand(3, 4);
        Assert.True(a.grad!.allclose(expected, rtol: 0, atol: 1e-15));
    }

    [Fact]
    public void InvalidThreadCountIsRejectedWithItsName()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TorchRuntime.Initialize(threads: 0));
        Assert.Equal("threads", e.ParamName);
    }

    [Fact]
    public void CpuBuildRunsOnCpu()
    {
        Assert.False(TorchRuntime.BuiltForCuda);
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchRuntime.Initialize().type);
    }
}
