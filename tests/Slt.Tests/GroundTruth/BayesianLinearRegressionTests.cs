using Slt.GroundTruth;
using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Tests.GroundTruth;

public sealed class BayesianLinearRegressionTests
{
    /// <summary>The closed form against the evidence computed another way: y ∼ N(0, σ²I + α⁻¹XXᵀ) marginally, so
    /// F_n = ½ log det(2πΣ) + ½ yᵀΣ⁻¹y with Σ = σ²I + α⁻¹XXᵀ (an n × n computation the class never makes).</summary>
    [Theory]
    [InlineData(1, 5, 1.0, 1.0, 1)]
    [InlineData(3, 40, 0.5, 0.7, 2)]
    [InlineData(4, 200, 4.0, 2.0, 3)]
    public void FreeEnergyEqualsTheGaussianMarginalLikelihood(int d, long n, double alpha, double sigma, long seed)
    {
        TorchRuntime.Initialize();
        using var model = new BayesianLinearRegression(d, n, alpha, sigma, seed);
        using var scope = NewDisposeScope();
        var x = model.Inputs;
        var y = model.Outputs;
        var sigmaMatrix = eye(n, dtype: ScalarType.Float64) * (sigma * sigma) + x.matmul(x.t()) / alpha;
        var (_, logAbsDet) = linalg.slogdet(sigmaMatrix * (2 * Math.PI));
        double logDet = logAbsDet.item<double>();
        double quadratic = y.dot(linalg.solve(sigmaMatrix, y)).item<double>();
        Assert.Equal(0.5 * logDet + 0.5 * quadratic, model.FreeEnergy(), 8);
    }

    /// <summary>F_n = ∫₀¹ E^β[nL_n] dβ: the exact free energy against the exact energies integrated by 64-point Gauss–Legendre.</summary>
    [Fact]
    public void FreeEnergyIsTheIntegralOfTheExactEnergies()
    {
        TorchRuntime.Initialize();
        using var model = new BayesianLinearRegression(3, 100, alpha: 1, noise: 1, seed: 5);
        // ∫₀¹ f(β) dβ with β = u², dβ = 2u du, which smooths the √-like rise of E^β near β = 0.
        var (nodes, weights) = GaussLegendre(64);
        double integral = nodes.Zip(weights, (t, w) => { double u = (t + 1) / 2; return w / 2 * 2 * u * model.ExpectedEnergy(u * u); }).Sum();
        Assert.Equal(model.FreeEnergy(), integral, 6);
    }

    /// <summary>E^β[nL_n] falls with β (its derivative is −Var) from the prior mean to the posterior mean, and WBIC sits on it.</summary>
    [Fact]
    public void ExactEnergyFallsWithBetaAndWbicLiesOnIt()
    {
        TorchRuntime.Initialize();
        using var model = new BayesianLinearRegression(2, 500, seed: 7);
        var energies = Enumerable.Range(0, 21).Select(k => model.ExpectedEnergy(k / 20.0)).ToArray();
        for (int k = 1; k < energies.Length; k++) Assert.True(energies[k] < energies[k - 1], $"E^β rose at β = {k / 20.0}");
        Assert.Equal(model.ExpectedEnergy(1 / Math.Log(500)), model.Wbic(), 12);
        Assert.InRange(model.FreeEnergy(), energies[^1], energies[0]);
    }

    [Fact]
    public void LossAndGradientAgreeWithAutogradAndThePointwiseLosses()
    {
        TorchRuntime.Initialize();
        using var model = new BayesianLinearRegression(3, 50, alpha: 2, noise: 0.5, seed: 11);
        using var group = model.CreateGroup(2);
        using var scope = NewDisposeScope();
        using (no_grad()) group.Parameters[0].copy_(tensor(new[] { 0.3, -0.2, 1.0, -1.0, 0.5, 0.1 }, dtype: ScalarType.Float64).reshape(2, 3));
        var loss = group.Loss(null);
        var grad = autograd.grad([loss.sum()], [group.Parameters[0]])[0];
        var (closedLoss, closedGrad) = group.LossAndGradient(null)!.Value;
        Assert.True(loss.allclose(closedLoss, rtol: 1e-12, atol: 1e-12));
        Assert.True(grad.allclose(closedGrad[0], rtol: 1e-10, atol: 1e-12));
        var pointwise = group.PointwiseLoss()!;
        Assert.True((pointwise.sum(1) / 50).allclose(closedLoss, rtol: 1e-12, atol: 1e-12), "n L_n = Σ_i ℓ_i");
        var batch = arange(50, dtype: ScalarType.Int64);
        Assert.True(group.Loss(batch).allclose(closedLoss, rtol: 1e-12, atol: 1e-12), "a batch of every point is the full loss");
    }

    [Fact]
    public void BadSettingsNameTheParameter()
    {
        Assert.Equal("dimension", Assert.Throws<ArgumentOutOfRangeException>(() => new BayesianLinearRegression(0, 10)).ParamName);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => new BayesianLinearRegression(3, 3)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => new BayesianLinearRegression(3, 10, alpha: 0)).ParamName);
        Assert.Equal("noise", Assert.Throws<ArgumentOutOfRangeException>(() => new BayesianLinearRegression(3, 10, noise: double.NaN)).ParamName);
        TorchRuntime.Initialize();
        using var model = new BayesianLinearRegression(2, 10);
        Assert.Equal("beta", Assert.Throws<ArgumentOutOfRangeException>(() => model.ExpectedEnergy(1.5)).ParamName);
    }

    private static (double[] Nodes, double[] Weights) GaussLegendre(int m)
    {
        var nodes = new double[m];
        var weights = new double[m];
        for (int i = 0; i < m; i++)
        {
            double x = Math.Cos(Math.PI * (i + 0.75) / (m + 0.5)), dp = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                double p0 = 1, p1 = x;
                for (int k = 2; k <= m; k++) (p0, p1) = (p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k);
                dp = m * (x * p1 - p0) / (x * x - 1);
                double step = p1 / dp;
                x -= step;
                if (Math.Abs(step) < 1e-15) break;
            }
            nodes[i] = x;
            weights[i] = 2 / ((1 - x * x) * dp * dp);
        }
        return (nodes, weights);
    }
}
