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
    public void SamplingSurvivesConcurrentGarbageCollection()
    {
        // Two samplers in parallel while a third thread forces collections and finalizers: with implicit scalar
        // temporaries in the step this failed inside libtorch ("Unknown scalar type", Scalar::toDouble).
        TorchRuntime.Initialize();
        bool stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        var means = new double?[2];
        var errors = new Exception?[2];
        var samplers = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            try { means[i] = GroundTruthCases.EstimatePotential("1,1", 1000, chains: 64, seed: 100 + i).Mean; }
            catch (Exception e) { errors[i] = e; }
        })).ToArray();
        collector.Start();
        foreach (var s in samplers) s.Start();
        foreach (var s in samplers) s.Join();
        Volatile.Write(ref stop, true);
        collector.Join();
        Assert.All(errors, e => Assert.Null(e));
        Assert.All(means, m => Assert.NotNull(m));
    }
}
