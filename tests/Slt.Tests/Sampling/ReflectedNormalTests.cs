using Slt.Platform;
using Slt.Sampling;
using static TorchSharp.torch;

namespace Slt.Tests.Sampling;

public sealed class ReflectedNormalTests
{
    /// <summary>The folded density by brute force: the image sum over 201 periods, in plain doubles.</summary>
    internal static double BruteForceDensity(double y, double mean, double variance, PriorBox box)
    {
        double width = box.Upper - box.Lower, sum = 0;
        for (int k = -100; k <= 100; k++)
            foreach (double image in new[] { y + 2 * k * width, 2 * box.Lower - y + 2 * k * width })
                sum += Math.Exp(-(image - mean) * (image - mean) / (2 * variance));
        return sum / Math.Sqrt(2 * Math.PI * variance);
    }

    [Theory]
    [InlineData(0.3, 1e-4)]    // narrow, far from the walls
    [InlineData(0.98, 1e-3)]   // narrow, at a wall
    [InlineData(1.05, 1e-2)]   // mean outside the box (a drift that pushes through the wall)
    [InlineData(-0.5, 0.5)]    // s ≈ 0.7 D / 2: several images matter
    [InlineData(0.2, 3.9)]     // s just below D
    [InlineData(0.2, 4.1)]     // s just above D: the Fourier series
    [InlineData(2.7, 50.0)]    // very wide: nearly uniform
    public void LogDensityMatchesTheImageSumAndIntegratesToOne(double mean, double variance)
    {
        TorchRuntime.Initialize();
        var box = PriorBox.Symmetric(1);
        int points = 4001;
        var grid = linspace(box.Lower, box.Upper, points, dtype: ScalarType.Float64);
        var density = ReflectedNormal.LogDensity(grid, full_like(grid, mean), tensor(variance, dtype: ScalarType.Float64), box).exp();
        var values = density.data<double>().ToArray();
        var ys = grid.data<double>().ToArray();
        for (int i = 0; i < points; i += 40)
        {
            double expected = BruteForceDensity(ys[i], mean, variance, box);
            Assert.True(Math.Abs(values[i] - expected) <= 1e-9 * Math.Max(expected, 1e-300) + 1e-300,
                $"y = {ys[i]}: {values[i]:R} vs {expected:R}");
        }
        double h = (box.Upper - box.Lower) / (points - 1);
        double integral = h * (values.Sum() - (values[0] + values[^1]) / 2);
        Assert.Equal(1.0, integral, variance < 1e-3 ? 4 : 7);
    }

    [Fact]
    public void MixedVariancesPerCoordinateTakeTheRightFormEach()
    {
        TorchRuntime.Initialize();
        var box = new PriorBox(0.5, 1.5);
        double[] y = [0.51, 1.2, 0.9, 1.49], mean = [0.45, 1.3, 0.2, 1.6], variance = [1e-3, 5.0, 0.3, 50.0];
        var log = ReflectedNormal.LogDensity(tensor(y), tensor(mean), tensor(variance), box).data<double>().ToArray();
        for (int i = 0; i < y.Length; i++)
            Assert.Equal(Math.Log(BruteForceDensity(y[i], mean[i], variance[i], box)), log[i], 9);
    }

    [Fact]
    public void ImagePeriodsGrowWithTheNoise()
    {
        Assert.Equal(1, ReflectedNormal.ImagePeriods(0.1, 2));
        Assert.Equal(1, ReflectedNormal.ImagePeriods(0.8, 2));
        Assert.Equal(3, ReflectedNormal.ImagePeriods(2, 2));
    }
}
