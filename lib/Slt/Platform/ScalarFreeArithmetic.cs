using static TorchSharp.torch;

namespace Slt.Platform;

/// <summary>
/// Tensor arithmetic without hidden TorchSharp scalar temporaries, for the sampler's hot loops.
/// </summary>
/// <remarks>
/// In TorchSharp 0.107 <c>x.square()</c> is <c>x.pow(2)</c>, <c>a + b</c> and <c>a.add_(b)</c> are <c>add(b, 1)</c>, and
/// <c>a + s</c> is <c>add(s, 1)</c>: each makes a <see cref="TorchSharp.Scalar"/> from a literal that nothing holds
/// once its handle has reached libtorch (see <see cref="Scalars"/>). A collection at that moment frees it mid-call,
/// which was observed here as <c>INTERNAL ASSERT FAILED at c10/core/Scalar.h</c> inside <c>pow</c> during a test run.
/// These helpers do the same arithmetic with a tensor product or a process-lifetime scalar. (<c>a - b</c>,
/// <c>a * b</c>, <c>sub</c> and <c>mul</c> by a cached scalar take no hidden scalar and are safe as written.)
/// </remarks>
public static class ScalarFreeArithmetic
{
    /// <summary>x², as x·x.</summary>
    public static Tensor Squared(this Tensor x) => x.mul(x);

    /// <summary>a + b.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, Scalars.Of(1.0));

    /// <summary>a + c for a number c.</summary>
    public static Tensor Plus(this Tensor a, double c) => a.add(Scalars.Of(c), Scalars.Of(1.0));

    /// <summary>a ← a + b.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, Scalars.Of(1.0));

    /// <summary>a ← a + c for a number c.</summary>
    public static Tensor PlusInPlace(this Tensor a, double c) => a.add_(Scalars.Of(c), Scalars.Of(1.0));
}
