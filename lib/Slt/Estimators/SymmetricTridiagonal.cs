namespace Slt.Estimators;

/// <summary>Eigenvalues of a small symmetric tridiagonal matrix (a Lanczos T) and the first components of its
/// eigenvectors, by cyclic Jacobi rotations (accurate to rounding for the sizes Lanczos produces, k ≤ a few hundred).</summary>
public static class SymmetricTridiagonal
{
    /// <summary>Eigenvalues (ascending) and the first component of each unit eigenvector.</summary>
    /// <param name="diagonal">T's diagonal, length k ≥ 1.</param>
    /// <param name="offDiagonal">T's off-diagonal, length k − 1.</param>
    /// <exception cref="ArgumentException">Lengths that do not fit, or a value that is not finite.</exception>
    public static (double[] Values, double[] FirstComponents) Eigen(double[] diagonal, double[] offDiagonal)
    {
        ArgumentNullException.ThrowIfNull(diagonal);
        ArgumentNullException.ThrowIfNull(offDiagonal);
        int k = diagonal.Length;
        if (k < 1) throw new ArgumentException("The matrix needs at least one row.", nameof(diagonal));
        if (offDiagonal.Length != k - 1) throw new ArgumentException($"A {k}×{k} tridiagonal matrix has {k - 1} off-diagonal values, not {offDiagonal.Length}.", nameof(offDiagonal));
        if (diagonal.Concat(offDiagonal).Any(x => !double.IsFinite(x))) throw new ArgumentException("Every entry must be finite.", nameof(diagonal));
        var a = new double[k, k];
        var v = new double[k, k];
        for (int i = 0; i < k; i++)
        {
            a[i, i] = diagonal[i];
            v[i, i] = 1;
            if (i + 1 < k) a[i, i + 1] = a[i + 1, i] = offDiagonal[i];
        }
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, scale = 0;
            for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                if (i != j) off += a[i, j] * a[i, j]; else scale += a[i, i] * a[i, i];
            if (off <= 1e-30 * Math.Max(scale, double.Epsilon)) break;
            for (int p = 0; p < k - 1; p++)
            for (int q = p + 1; q < k; q++)
            {
                if (a[p, q] == 0) continue;
                double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                for (int r = 0; r < k; r++)
                {
                    double arp = a[r, p], arq = a[r, q];
                    a[r, p] = c * arp - s * arq;
                    a[r, q] = s * arp + c * arq;
                }
                for (int r = 0; r < k; r++)
                {
                    double apr = a[p, r], aqr = a[q, r];
                    a[p, r] = c * apr - s * aqr;
                    a[q, r] = s * apr + c * aqr;
                }
                for (int r = 0; r < k; r++)
                {
                    double vrp = v[r, p], vrq = v[r, q];
                    v[r, p] = c * vrp - s * vrq;
                    v[r, q] = s * vrp + c * vrq;
                }
            }
        }
        var order = Enumerable.Range(0, k).OrderBy(i => a[i, i]).ToArray();
        return (order.Select(i => a[i, i]).ToArray(), order.Select(i => v[0, i]).ToArray());
    }
}
