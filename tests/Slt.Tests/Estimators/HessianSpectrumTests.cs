using Slt.Estimators;
using Slt.Model;
using Slt.Platform;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Tests.Estimators;

public sealed class HessianSpectrumTests
{
    [Fact]
    public void TheTridiagonalEigenproblemMatchesTheDiscreteLaplacian()
    {
        // T = tridiag(−1, 2, −1) of size k: eigenvalues 2 − 2cos(jπ/(k+1)), eigenvector j has first component² = 2/(k+1)·sin²(jπ/(k+1)).
        int k = 17;
        var (values, first) = SymmetricTridiagonal.Eigen(Enumerable.Repeat(2.0, k).ToArray(), Enumerable.Repeat(-1.0, k - 1).ToArray());
        for (int j = 1; j <= k; j++)
        {
            double angle = j * Math.PI / (k + 1);
            Assert.Equal(2 - 2 * Math.Cos(angle), values[j - 1], 12);
            Assert.Equal(2.0 / (k + 1) * Math.Sin(angle) * Math.Sin(angle), first[j - 1] * first[j - 1], 12);
        }
        Assert.Throws<ArgumentException>(() => SymmetricTridiagonal.Eigen([1, 2], [1, 2]));
        Assert.Throws<ArgumentException>(() => SymmetricTridiagonal.Eigen([1, double.NaN], [0]));
    }

    /// <summary>Twelve distinct curvatures, ten directions each, spread over five decades with two negative.</summary>
    private static readonly double[] Curvatures = [-2e-4, -5e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];

    private static double[] Diagonal() => Curvatures.SelectMany(h => Enumerable.Repeat(h, 10)).ToArray();

    private static double ExactQuadraticLlc(double[] eigenvalues, double nBeta, double gamma) =>
        eigenvalues.Sum(h => nBeta * h / (nBeta * h + gamma)) / 2;

    [Fact]
    public void OnADiagonalHessianEveryProbeIsExact()
    {
        // A Rademacher probe of a diagonal matrix gives vᵀf(D)v = tr f(D)/d exactly, and Lanczos finds the twelve distinct
        // eigenvalues in twelve steps (then stops: the Krylov space is invariant), so its quadrature is exact too.
        var d = Diagonal();
        var spectrum = HessianSpectrum.Estimate(v => v.Select((x, i) => d[i] * x).ToArray(), d.Length, new SpectrumSettings(Probes: 3, Steps: 30, Seed: 2));
        Assert.All(spectrum.Probes, q => Assert.Equal(Curvatures.Length, q.Nodes.Length));
        Assert.All(spectrum.Probes, q => Assert.Equal(1.0, q.Weights.Sum(), 12));
        foreach (double gamma in new[] { 4000.0, 1000, 250 })
        {
            var p = spectrum.QuadraticLlc(1e5, gamma);
            Assert.True(p.Exists, p.Problem);
            Assert.Equal(ExactQuadraticLlc(d, 1e5, gamma), p.Mean, 8);
            Assert.Equal(0, p.StandardError, 8);
        }
        Assert.Equal(30, spectrum.CountAbove(0.5).Mean, 8); // the curvatures 1, 3 and 10, ten directions each
    }

    [Fact]
    public void OnARotatedHessianTheEstimateIsWithinItsStandardError()
    {
        var d = Diagonal();
        int n = d.Length;
        // H = Q D Qᵀ with Q a random orthogonal matrix (QR of a Gaussian matrix, seeded).
        var random = new Random(7);
        var g = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) g[i, j] = Normal(random);
        var q = GramSchmidt(g, n);
        var h = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) { double s = 0; for (int k = 0; k < n; k++) s += q[i, k] * d[k] * q[j, k]; h[i, j] = s; }
        double[] Times(double[] v) { var w = new double[n]; for (int i = 0; i < n; i++) { double s = 0; for (int j = 0; j < n; j++) s += h[i, j] * v[j]; w[i] = s; } return w; }
        var spectrum = HessianSpectrum.Estimate(Times, n, new SpectrumSettings(Probes: 40, Steps: 30, Seed: 3));
        foreach (double gamma in new[] { 4000.0, 1000, 250 })
        {
            var p = spectrum.QuadraticLlc(1e5, gamma);
            double exact = ExactQuadraticLlc(d, 1e5, gamma);
            Assert.True(p.StandardError > 0);
            Assert.True(Math.Abs(p.Mean - exact) <= 4 * p.StandardError, $"γ = {gamma}: {p.Mean:F3} ± {p.StandardError:F3} against {exact:F3}");
        }
        // The extreme Ritz values bracket from inside and, with 30 steps on 12 distinct values, reach the extremes.
        Assert.Equal(-2e-4, spectrum.SmallestNode, 8);
        Assert.Equal(10, spectrum.LargestNode, 8);
    }

    [Fact]
    public void AnImproperQuadraticPosteriorIsNamedNotReturnedAsANumber()
    {
        var d = Diagonal();
        var spectrum = HessianSpectrum.Estimate(v => v.Select((x, i) => d[i] * x).ToArray(), d.Length, new SpectrumSettings(Probes: 1, Steps: 12));
        var p = spectrum.QuadraticLlc(1e5, 10); // −2e−4·1e5 + 10 < 0
        Assert.False(p.Exists);
        Assert.Contains("improper", p.Problem);
        Assert.Throws<ArgumentOutOfRangeException>(() => spectrum.QuadraticLlc(0, 1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => spectrum.QuadraticLlc(1e5, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => HessianSpectrum.Estimate(v => v, 10, new SpectrumSettings(Steps: 11)));
        Assert.Throws<ArgumentOutOfRangeException>(() => HessianSpectrum.Estimate(v => v, 10, new SpectrumSettings(Probes: 0)));
        Assert.Throws<InvalidOperationException>(() => HessianSpectrum.Estimate(v => v.Select(_ => double.NaN).ToArray(), 10, new SpectrumSettings(Steps: 3)));
    }

    [Fact]
    public void TheTransformersHessianProductMatchesDifferencesOfGradients()
    {
        TorchRuntime.Initialize();
        var spec = CorpusSpec.Default;
        using var model = new Transformer(new TransformerConfig(new Vocabulary(spec).Count, spec.ContextLength, ModelDimension: 16, Layers: 1, Heads: 2), seed: 3);
        var sample = new CorpusGenerator(new TrueDistribution(spec)).Sample(8, seed: 5);
        using var hessian = new LossHessian(model, sample);
        var parameters = model.parameters().ToArray();
        Assert.Equal(parameters.Sum(p => p.numel()), hessian.Dimension);
        var random = new Random(1);
        var u = Unit(Enumerable.Range(0, (int)hessian.Dimension).Select(_ => Normal(random)).ToArray());
        var v = Unit(Enumerable.Range(0, (int)hessian.Dimension).Select(_ => Normal(random)).ToArray());
        var hv = hessian.Times(v);
        // Symmetric: uᵀHv = vᵀHu.
        double uHv = u.Zip(hv, (a, b) => a * b).Sum(), vHu = v.Zip(hessian.Times(u), (a, b) => a * b).Sum();
        Assert.True(Math.Abs(uHv - vHu) < 1e-4 * (Math.Abs(uHv) + Math.Abs(vHu)), $"uᵀHv = {uHv}, vᵀHu = {vHu}");
        // Central differences of the gradient along v, in double precision on a copy of the weights.
        using var windows = sample.ToTensor();
        double[] GradientAt(double step)
        {
            using var scope = NewDisposeScope();
            int offset = 0;
            var saved = parameters.Select(p => p.detach().clone()).ToArray();
            using (no_grad())
                foreach (var p in parameters)
                {
                    var slice = v.AsSpan(offset, (int)p.numel()).ToArray();
                    p.add_(tensor(slice, dtype: ScalarType.Float64).reshape(p.shape).to(p.dtype) * step);
                    offset += (int)p.numel();
                }
            var loss = Slt.Losses.NextTokenLoss.PerWindow(model, windows).mean();
            var grads = autograd.grad([loss], parameters);
            var flat = cat(grads.Select(g => g.reshape(-1)).ToArray()).to_type(ScalarType.Float64).data<double>().ToArray();
            using (no_grad()) for (int i = 0; i < parameters.Length; i++) parameters[i].copy_(saved[i]);
            return flat;
        }
        double delta = 1e-3;
        var plus = GradientAt(delta);
        var minus = GradientAt(-delta);
        var difference = plus.Zip(minus, (a, b) => (a - b) / (2 * delta)).ToArray();
        double error = Math.Sqrt(hv.Zip(difference, (a, b) => (a - b) * (a - b)).Sum()), size = Math.Sqrt(hv.Sum(x => x * x));
        Assert.True(error < 0.02 * size, $"‖Hv − Δ∇/2δ‖ = {error:G3}, ‖Hv‖ = {size:G3}");
        Assert.Throws<ArgumentException>(() => hessian.Times(new double[3]));
        // Weights changed in place after the graph was built: a clear error, not a crash inside libtorch.
        using (no_grad()) parameters[0].add_(tensor(1e-3f));
        Assert.Throws<InvalidOperationException>(() => hessian.Times(v));
    }

    private static double[] Unit(double[] x)
    {
        double norm = Math.Sqrt(x.Sum(a => a * a));
        return x.Select(a => a / norm).ToArray();
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double[,] GramSchmidt(double[,] g, int n)
    {
        var q = (double[,])g.Clone();
        for (int j = 0; j < n; j++)
        {
            for (int pass = 0; pass < 2; pass++)
                for (int k = 0; k < j; k++)
                {
                    double dot = 0;
                    for (int i = 0; i < n; i++) dot += q[i, j] * q[i, k];
                    for (int i = 0; i < n; i++) q[i, j] -= dot * q[i, k];
                }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += q[i, j] * q[i, j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) q[i, j] /= norm;
        }
        return q;
    }
}
