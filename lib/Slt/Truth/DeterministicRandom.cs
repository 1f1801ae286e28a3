namespace Slt.Truth;

/// <summary>
/// A small pseudo-random generator whose stream is fixed by this file alone (SplitMix64, Steele, Lea &amp; Flood 2014),
/// so a corpus spec gives the same bytes on every .NET version and platform. <see cref="System.Random"/> makes no such
/// promise across versions.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    /// <summary>A generator for an independent sub-stream, derived from this seed and a stream label.</summary>
    public static DeterministicRandom ForStream(long seed, string stream)
    {
        ulong h = 1469598103934665603UL; // FNV-1a over the label, mixed with the seed.
        foreach (char c in stream) h = (h ^ c) * 1099511628211UL;
        return new DeterministicRandom(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL) ^ h);
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be positive.");
        return (int)(NextDouble() * n);
    }

    /// <summary>Standard normal by the Box–Muller transform.</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>
    /// Gamma(shape, 1) by Marsaglia &amp; Tsang (2000); for shape &lt; 1 the boost Gamma(a) = Gamma(a+1)·U^{1/a}.
    /// </summary>
    public double NextGamma(double shape)
    {
        if (!(shape > 0)) throw new ArgumentOutOfRangeException(nameof(shape), shape, "shape must be positive.");
        if (shape < 1) return NextGamma(shape + 1) * Math.Pow(1.0 - NextDouble(), 1.0 / shape);
        double d = shape - 1.0 / 3.0, c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x = NextGaussian(), v = 1 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            double u = 1.0 - NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    /// <summary>A draw from the symmetric Dirichlet(concentration, …, concentration) on <paramref name="size"/> points.</summary>
    public double[] NextDirichlet(int size, double concentration)
    {
        var g = new double[size];
        double sum = 0;
        for (int i = 0; i < size; i++) sum += g[i] = Math.Max(NextGamma(concentration), 1e-300);
        for (int i = 0; i < size; i++) g[i] /= sum;
        return g;
    }

    /// <summary>An index drawn with probability proportional to <paramref name="weights"/> (which sum to about 1).</summary>
    public int NextCategorical(ReadOnlySpan<double> weights)
    {
        double u = NextDouble(), total = 0;
        foreach (double w in weights) total += w;
        u *= total;
        double acc = 0;
        int last = -1;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0) continue;
            acc += weights[i];
            last = i;
            if (u < acc) return i;
        }
        return last >= 0 ? last : throw new ArgumentException("All weights are zero.", nameof(weights));
    }
}
