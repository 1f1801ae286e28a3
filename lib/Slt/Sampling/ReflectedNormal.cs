using Slt.Platform;
using static TorchSharp.torch;

namespace Slt.Sampling;

/// <summary>
/// The normal distribution N(μ, s²) folded into an interval [L, U] by reflection at the walls (<see cref="Sgld.Reflect"/>):
/// the law of an SGLD proposal in a prior box, one coordinate at a time (the noise is independent per coordinate and the
/// reflection acts per coordinate, so the proposal density of a vector is the product of these).
/// </summary>
/// <remarks>
/// With D = U − L, the points that fold onto y ∈ [L, U] are y + 2kD and 2L − y + 2kD (k ∈ ℤ), so
/// q(y) = Σ_k [φ_s(y + 2kD − μ) + φ_s(2L − y + 2kD − μ)]  (method of images).
/// <para>For s ≤ D the sum runs over the K periods on either side of the image nearest μ in each family (2(2K + 1)
/// terms). Some image lies within D of μ, and every omitted one at least (2K + 1)D from μ, so the omitted mass relative to
/// the sum is below 2 exp(−2K(K + 1)D²/s²); K is the smallest with 2K(K + 1)D²/s² ≥ 24 (relative error &lt; 1e−10):
/// K = 1 while s ≤ 0.41 D (every sane SGLD step: the noise is much smaller than the box), at most K = 3 at s = D.
/// For s &gt; D images decay slowly and the equivalent Fourier series (the Neumann heat kernel of the interval) is used:
/// q(y) = (1/D)[1 + 2 Σ_{m≥1} exp(−π²m²s²/(2D²)) cos(mπ(μ − L)/D) cos(mπ(y − L)/D)], with <see cref="FourierTerms"/> = 4
/// terms; the first omitted one is below exp(−25π²/2) ≈ e⁻¹²³ there. Both forms hold for μ outside the box.</para>
/// </remarks>
public static class ReflectedNormal
{
    /// <summary>Fourier modes summed when s &gt; D.</summary>
    public const int FourierTerms = 4;

    /// <summary>Periods summed on either side of the nearest image for a standard deviation s ≤ D (see remarks).</summary>
    public static int ImagePeriods(double s, double width)
    {
        double ratio = s * s / (width * width);
        int k = 1;
        while (2.0 * k * (k + 1) < 24 * ratio) k++;
        return k;
    }

    /// <summary>log q(y) element-wise for y in the box, mean <paramref name="mean"/> and variance <paramref name="variance"/>
    /// (tensors broadcastable against y; the mean may lie outside the box).</summary>
    public static Tensor LogDensity(Tensor y, Tensor mean, Tensor variance, PriorBox box)
    {
        ArgumentNullException.ThrowIfNull(box);
        using var scope = NewDisposeScope();
        double width = box.Upper - box.Lower;
        double maxVariance = variance.max().item<double>();
        var images = maxVariance <= width * width ? ImageSum(y, mean, variance, box, ImagePeriods(Math.Sqrt(maxVariance), width)) : null;
        if (images is not null) return images.MoveToOuterDisposeScope();

        double k = Math.PI / width;
        var a = (mean - Scalars.Of(box.Lower)).mul_(Scalars.Of(k));
        var b = (y - Scalars.Of(box.Lower)).mul_(Scalars.Of(k));
        Tensor? series = null;
        for (int m = 1; m <= FourierTerms; m++)
        {
            var term = (a * Scalars.Of((double)m)).cos_() * (b * Scalars.Of((double)m)).cos_() * (variance * Scalars.Of(-k * k * m * m / 2)).exp_();
            series = series is null ? term : series.PlusInPlace(term);
        }
        var fourier = series!.mul_(Scalars.Of(2.0)).log1p_().sub_(Scalars.Of(Math.Log(width)));
        // Coordinates with s ≤ D in a mixed tensor (pSGLD: one G per coordinate) take the image sum.
        var narrow = variance.le(Scalars.Of(width * width));
        if (narrow.any().item<bool>())
        {
            int periods = ImagePeriods(width, width);
            fourier = where(narrow, ImageSum(y, mean, variance.clamp_max(Scalars.Of(width * width)), box, periods), fourier);
        }
        return fourier.MoveToOuterDisposeScope();
    }

    private static Tensor ImageSum(Tensor y, Tensor mean, Tensor variance, PriorBox box, int periods)
    {
        double period = 2 * (box.Upper - box.Lower);
        var mirrored = y.neg().PlusInPlace(2 * box.Lower);
        var preimages = stack([y, mirrored]);
        // The image of each family nearest μ, minus μ; then the ±periods around it, all at once: shape [2K+1, 2, …].
        var nearest = (preimages - mean).neg_().div_(Scalars.Of(period)).round_().mul_(Scalars.Of(period)).PlusInPlace(preimages).sub_(mean);
        var offsets = arange(-periods, periods + 1, dtype: y.dtype, device: y.device).mul_(Scalars.Of(period))
            .reshape([2 * periods + 1, .. Enumerable.Repeat(1L, (int)nearest.dim())]);
        var distances = nearest.unsqueeze(0).Plus(offsets);
        // log Σ exp(−d²/(2s²)), shifted by the largest exponent, which belongs to the nearer of the two nearest images
        // (libtorch's logsumexp is several times slower here).
        var minusHalfPrecision = variance.reciprocal().mul_(Scalars.Of(-0.5));
        var largest = minimum(nearest[0].Squared(), nearest[1].Squared()).mul_(minusHalfPrecision);
        var sum = distances.Squared().mul_(minusHalfPrecision).sub_(largest).exp_().sum([0L, 1L]);
        return sum.log_().PlusInPlace(largest).sub_((variance * Scalars.Of(2 * Math.PI)).log_().mul_(Scalars.Of(0.5)));
    }
}
