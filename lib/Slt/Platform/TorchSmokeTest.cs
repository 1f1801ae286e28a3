using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Platform;

/// <summary>The outcome of <see cref="TorchSmokeTest.Run"/>.</summary>
public sealed record SmokeTestResult(bool Passed, string Message, double[] Gradient, double[] Expected);

/// <summary>
/// A forward and backward pass whose gradient is known in closed form: for f(w) = Σ_i (w_i x_i)² the gradient is
/// ∂f/∂w_i = 2 w_i x_i². Proves that libtorch loads, computes and differentiates.
/// </summary>
public static class TorchSmokeTest
{
    public static SmokeTestResult Run(Device device)
    {
        using var scope = NewDisposeScope();
        double[] w0 = [0.5, -1.25, 2.0];
        double[] x0 = [3.0, 0.5, -1.5];
        var w = tensor(w0, dtype: ScalarType.Float64, device: device).requires_grad_();
        var x = tensor(x0, dtype: ScalarType.Float64, device: device);
        var f = (w * x).pow(2).sum();
        f.backward();
        double[] grad = w.grad!.cpu().data<double>().ToArray();
        double[] expected = w0.Zip(x0, (wi, xi) => 2 * wi * xi * xi).ToArray();
        double error = grad.Zip(expected, (g, e) => Math.Abs(g - e)).Max();
        bool passed = error < 1e-12;
        string message = passed
            ? $"gradient of Σ(w·x)² matches 2wx² (max error {error:E1})"
            : $"gradient {string.Join(", ", grad)} differs from 2wx² = {string.Join(", ", expected)}";
        return new SmokeTestResult(passed, message, grad, expected);
    }
}
