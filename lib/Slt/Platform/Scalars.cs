using System.Collections.Concurrent;
using TorchSharp;

namespace Slt.Platform;

/// <summary>
/// Long-lived TorchSharp scalars for tensor arithmetic in hot loops: <c>x.add_(g, alpha: Scalars.Of(-eps / 2))</c>.
/// </summary>
/// <remarks>
/// TorchSharp's <see cref="Scalar"/> owns native memory, has a finalizer, and is not tracked by dispose scopes (checked
/// on 0.107). The temporary that an implicit <c>double → Scalar</c> conversion creates is unreachable once its handle
/// has been passed to libtorch, so under garbage-collection pressure its finalizer can free it while libtorch still
/// reads it. That was observed here as <c>Unknown scalar type</c> and <c>Scalar::toDouble</c> failures when several
/// samplers ran in one process. A scalar from this cache lives for the whole process, so it is never finalized
/// mid-call. Upstream: TorchSharp pull requests https://github.com/dotnet/TorchSharp/pull/1434 and
/// https://github.com/dotnet/TorchSharp/pull/1496 address the lifetime of such temporaries; until a release with them is
/// served here, the sampler takes its constants from this cache once per run (<c>Slt.Sampling.SamplerContext</c>,
/// <c>LangevinKernel</c>) and the hot paths use <see cref="ScalarFreeArithmetic"/>. The values a loop uses (step sizes, nβ, exponents) are few, so the cache stays small.
/// </remarks>
public static class Scalars
{
    private static readonly ConcurrentDictionary<long, Scalar> Reals = new();
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();

    /// <summary>The process-lifetime scalar holding <paramref name="value"/> (a double).</summary>
    public static Scalar Of(double value) => Reals.GetOrAdd(BitConverter.DoubleToInt64Bits(value), bits => BitConverter.Int64BitsToDouble(bits).ToScalar());

    /// <summary>The process-lifetime scalar holding the integer <paramref name="value"/> (e.g. an exponent).</summary>
    public static Scalar Of(long value) => Integers.GetOrAdd(value, v => v.ToScalar());

    /// <summary>How many distinct scalars the cache holds (for the memory benchmark).</summary>
    public static int Count => Reals.Count + Integers.Count;
}
