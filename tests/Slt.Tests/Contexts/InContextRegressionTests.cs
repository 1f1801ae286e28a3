using Slt.Contexts;
using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Tests.Contexts;

/// <summary>von Oswald's construction: one linear-attention layer of the model's own kind predicts exactly as one
/// gradient-descent step on in-context least squares, and its context increment is that step's ΔW.</summary>
public sealed class InContextRegressionTests
{
    [Fact]
    public void OneLayerIsOneGradientStepFromZeroAndFromAnyStart()
    {
        TorchRuntime.Initialize();
        for (long seed = 1; seed <= 3; seed++)
        {
            var check = InContextRegression.CheckRandomProblems(30, seed);
            Assert.Contains(check.Cases, c => c.FromZero);
            Assert.Contains(check.Cases, c => !c.FromZero);
            Assert.True(check.WorstError <= 1e-10, $"seed {seed}: |ŷ_attention − ŷ_GD| up to {check.WorstError:E2}");
            Assert.True(check.WorstIncrementError <= 1e-10, $"seed {seed}: |M_C − ΔW| up to {check.WorstIncrementError:E2}");
            Assert.True(check.SmallestStepEffect > 1e-4, $"a step moves a prediction by only {check.SmallestStepEffect:E2}: no power");
            Assert.Equal(30, check.ToDataFrame().Rows.Count);
        }
    }

    /// <summary>Power: a construction at the wrong step size, or one that ignores W₀, misses the gradient step by far.</summary>
    [Fact]
    public void AWrongStepSizeOrStartIsCaught()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(5);
        var x = randn(9, 3, dtype: ScalarType.Float64, generator: generator);
        var y = randn(9, 2, dtype: ScalarType.Float64, generator: generator);
        var q = randn(3, dtype: ScalarType.Float64, generator: generator);
        var w0 = randn(2, 3, dtype: ScalarType.Float64, generator: generator);
        using var right = new InContextRegression(3, 2, 0.1, w0);
        using var doubled = new InContextRegression(3, 2, 0.2, w0);
        using var fromZero = new InContextRegression(3, 2, 0.1);
        var truth = right.GradientStepPrediction(x, y, q);
        Assert.True((right.Predict(x, y, q) - truth).abs().max().item<double>() <= 1e-10);
        Assert.True((doubled.Predict(x, y, q) - truth).abs().max().item<double>() > 1e-2);
        Assert.True((fromZero.Predict(x, y, q) - truth).abs().max().item<double>() > 1e-2);
        // The tokens: examples (x_j, y_j), then the query holding the current prediction W₀ x_q.
        var tokens = right.Tokens(x, y, q);
        Assert.Equal(new long[] { 1, 10, 5 }, tokens.shape);
        Assert.True(tokens[0, 9].narrow(0, 3, 2).allclose(w0.matmul(q)));
    }

    [Fact]
    public void BadShapesGetAClearError()
    {
        TorchRuntime.Initialize();
        using var c = new InContextRegression(3, 2, 0.1);
        Assert.Contains("inputs must be [N, 3]", Assert.Throws<ArgumentException>(() => c.Predict(zeros(4, 2, dtype: ScalarType.Float64), zeros(4, 2, dtype: ScalarType.Float64), zeros(3, dtype: ScalarType.Float64))).Message);
        Assert.Contains("outputs must be [4, 2]", Assert.Throws<ArgumentException>(() => c.Predict(zeros(4, 3, dtype: ScalarType.Float64), zeros(5, 2, dtype: ScalarType.Float64), zeros(3, dtype: ScalarType.Float64))).Message);
        Assert.Contains("initialWeights must be [2, 3]", Assert.Throws<ArgumentException>(() => new InContextRegression(3, 2, 0.1, zeros(3, 2, dtype: ScalarType.Float64))).Message);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new InContextRegression(3, 2, double.NaN)).ParamName);
    }
}
