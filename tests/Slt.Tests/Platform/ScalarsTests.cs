using Slt.GroundTruth;
using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Tests.Platform;

/// <summary>
/// TorchSharp scalars have finalizers and are not tracked by dispose scopes, so an implicit <c>double → Scalar</c>
/// temporary can be freed by the finalizer while libtorch reads it. Hot loops use <see cref="Scalars"/> instead.
/// </summary>
public sealed class ScalarsTests
{
    [Fact]
    public void CachedScalarsHoldTheirValueAndAreShared()
    {
        TorchRuntime.Initialize();
        Assert.Same(Scalars.Of(0.25), Scalars.Of(0.25));
        Assert.NotSame(Scalars.Of(2.0), Scalars.Of(2L));
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1.0, 2.0 }, dtype: ScalarType.Float64);
        Assert.Equal([1.25, 2.25], (x + Scalars.Of(0.25)).data<double>().ToArray());
        Assert.Equal([1.0, 4.0], x.pow(Scalars.Of(2L)).data<double>().ToArray());
        Assert.Equal([double.NegativeInfinity, 2.0], x.masked_fill(x.lt(Scalars.Of(1.5)), Scalars.Of(double.NegativeInfinity)).data<double>().ToArray());
    }

    [Fact]
    public void CachedScalarsSurviveConcurrentGarbageCollection()
    {
        // A second thread forces collections and runs finalizers without pause. Arithmetic whose scalars come from
        // the cache never loses them mid-call. (With implicit temporaries — x.add_(y, alpha: 0.5), and TorchSharp's
        // own x + y, x.add_(y) and x.square(), which make one internally — the same loop failed dozens of times in
        // three seconds on TorchSharp 0.107. That is why torch work stays on one thread and tests run serially.)
        TorchRuntime.Initialize();
        var (failures, total) = ConcurrentCollector.While(() =>
        {
            int failed = 0;
            double sum = 0;
            for (int round = 0; round < 2000; round++)
            {
                using var scope = NewDisposeScope();
                var x = ones(8, dtype: ScalarType.Float64);
                var y = ones(8, dtype: ScalarType.Float64);
                try
                {
                    x.add_(y, alpha: Scalars.Of(0.5)).mul_(Scalars.Of(2.0)).add_(y, alpha: Scalars.Of(-1.0));
                    sum += x.sum().item<double>();
                }
                catch (System.Runtime.InteropServices.ExternalException)
                {
                    failed++;
                }
            }
            return (failed, sum);
        });
        Assert.Equal(0, failures);
        Assert.Equal(2000 * 8 * 2.0, total);
    }
}
