using System.Diagnostics;

namespace Slt.Estimators;

/// <summary>How the spectrum is probed: <paramref name="Probes"/> random Rademacher vectors, <paramref name="Steps"/>
/// Lanczos steps each, from the stream named by <paramref name="Seed"/>.</summary>
public sealed record SpectrumSettings(int Probes = 4, int Steps = 80, long Seed = 5)
{
    /// <summary>Throws when the settings cannot probe an operator of this dimension.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than one probe, fewer than two steps, or more steps than dimensions.</exception>
    public void Validate(long dimension)
    {
        if (Probes < 1) throw new ArgumentOutOfRangeException(nameof(Probes), Probes, "Probes must be at least 1.");
        if (Steps < 2) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Steps must be at least 2.");
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The operator needs at least one dimension.");
        if (Steps > dimension) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"Steps must not exceed the dimension ({dimension}).");
    }
}

/// <summary>One probe's Gauss quadrature of the spectral measure: the Ritz values (nodes) of its Lanczos tridiagonal and
/// the squared first components of their eigenvectors (weights, summing to 1). For the probe v, vᵀ f(H) v ≈ Σ_j w_j f(θ_j),
/// exact for polynomials of degree below 2·steps.</summary>
public sealed record LanczosQuadrature(double[] Nodes, double[] Weights);

/// <summary>What the quadratic approximation of the loss at w* predicts for the localized LLC estimator:
/// λ̂_q = ½ tr[nβH (nβH + γ)⁻¹] = ½ Σ_i nβh_i / (nβh_i + γ), with the standard error over probes.</summary>
/// <param name="NBeta">nβ.</param>
/// <param name="Gamma">The localization γ.</param>
/// <param name="Mean">λ̂_q (NaN when <paramref name="Problem"/> says why).</param>
/// <param name="StandardError">Its standard error over probes (NaN with one probe).</param>
/// <param name="Problem">Null, or why the prediction does not exist: an eigenvalue h &lt; −γ/nβ makes the localized Gaussian
/// improper (the quadratic approximation then says nothing about λ̂).</param>
public sealed record QuadraticPrediction(double NBeta, double Gamma, double Mean, double StandardError, string? Problem)
{
    /// <summary>True when the quadratic posterior is proper at this (nβ, γ).</summary>
    public bool Exists => Problem is null;
}

/// <summary>
/// The eigenvalue distribution of a symmetric operator H (the Hessian of a loss at w*) by stochastic Lanczos quadrature:
/// tr f(H) ≈ d · mean over probes of Σ_j w_j f(θ_j), with Rademacher probes (Hutchinson) and a Lanczos quadrature per probe.
/// Needs only products H·v, so it works for models whose Hessian is far too large to form.
/// </summary>
/// <remarks>
/// Why the workbook needs it (docs/transformer-llc.md §3): for a quadratic loss the localized estimator gives exactly
/// λ̂ = ½ Σ_i nβh_i / (nβh_i + γ), so how λ̂ moves with γ is decided by how many curvatures h_i sit near γ/nβ. The spectrum
/// predicts that curve without sampling (<see cref="QuadraticLlc"/>). Lanczos runs with full reorthogonalization in double
/// precision on plain arrays; an exact invariant subspace ends a probe early (its quadrature is then exact).
/// G. H. Golub and G. Meurant, "Matrices, moments and quadrature" (1994); S. Ubaru, J. Chen and Y. Saad, "Fast estimation of
/// tr(f(A)) via stochastic Lanczos quadrature", SIAM J. Matrix Anal. Appl. 38 (2017).
/// </remarks>
/// <param name="Dimension">d, the number of parameters.</param>
/// <param name="Probes">One quadrature per probe.</param>
/// <param name="Settings">How it was probed.</param>
/// <param name="Seconds">Wall time of the estimate.</param>
public sealed record HessianSpectrum(long Dimension, IReadOnlyList<LanczosQuadrature> Probes, SpectrumSettings Settings, double Seconds)
{
    /// <summary>Probes the operator <paramref name="times"/> (v ↦ H v on arrays of length <paramref name="dimension"/>).</summary>
    /// <param name="times">The operator: H v for an array v of length <paramref name="dimension"/> (it must not keep v).</param>
    /// <param name="dimension">d.</param>
    /// <param name="settings">Probes, steps and seed (default <see cref="SpectrumSettings"/>).</param>
    /// <param name="progress">Receives (products done, products planned).</param>
    /// <param name="cancellationToken">Stops between products.</param>
    public static HessianSpectrum Estimate(Func<double[], double[]> times, long dimension, SpectrumSettings? settings = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(times);
        settings ??= new SpectrumSettings();
        settings.Validate(dimension);
        if (dimension > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The dimension exceeds an array's length.");
        var clock = Stopwatch.StartNew();
        int d = (int)dimension, total = settings.Probes * settings.Steps, done = 0;
        var random = Truth.DeterministicRandom.ForStream(settings.Seed, "spectrum probes");
        var probes = new List<LanczosQuadrature>();
        for (int p = 0; p < settings.Probes; p++)
        {
            var v = new double[d];
            double scale = 1 / Math.Sqrt(d);
            for (int i = 0; i < d; i++) v[i] = random.NextDouble() < 0.5 ? -scale : scale;
            probes.Add(Lanczos(times, v, settings.Steps, cancellationToken, () => progress?.Report((++done, total))));
        }
        progress?.Report((total, total));
        return new HessianSpectrum(dimension, probes, settings, clock.Elapsed.TotalSeconds);
    }

    /// <summary>tr f(H), estimated, with its standard error over probes (NaN with one probe).</summary>
    public (double Mean, double StandardError) Trace(Func<double, double> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var perProbe = Probes.Select(q => Dimension * q.Nodes.Zip(q.Weights, (t, w) => w * f(t)).Sum()).ToArray();
        double mean = perProbe.Average();
        if (perProbe.Length < 2) return (mean, double.NaN);
        double variance = perProbe.Sum(x => (x - mean) * (x - mean)) / (perProbe.Length - 1);
        return (mean, Math.Sqrt(variance / perProbe.Length));
    }

    /// <summary>The smallest Ritz value over probes (an upper bound on H's smallest eigenvalue).</summary>
    public double SmallestNode => Probes.Min(q => q.Nodes.Min());

    /// <summary>The largest Ritz value over probes (a lower bound on H's largest eigenvalue).</summary>
    public double LargestNode => Probes.Max(q => q.Nodes.Max());

    /// <summary>The estimated number of eigenvalues above <paramref name="h"/> (a step function of the Ritz values: resolved only
    /// to the spacing of the nodes).</summary>
    public (double Mean, double StandardError) CountAbove(double h) => Trace(x => x > h ? 1 : 0);

    /// <summary>The quadratic approximation's λ̂ at (nβ, γ): ½ Σ_i nβh_i / (nβh_i + γ).</summary>
    /// <exception cref="ArgumentOutOfRangeException">nβ or γ not positive and finite.</exception>
    public QuadraticPrediction QuadraticLlc(double nBeta, double gamma)
    {
        if (!(nBeta > 0) || !double.IsFinite(nBeta)) throw new ArgumentOutOfRangeException(nameof(nBeta), nBeta, "nβ must be positive and finite.");
        if (!(gamma > 0) || !double.IsFinite(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "γ must be positive and finite.");
        if (nBeta * SmallestNode + gamma <= 0)
            return new QuadraticPrediction(nBeta, gamma, double.NaN, double.NaN,
                $"H has a curvature ≈ {SmallestNode:G3} < −γ/nβ = {-gamma / nBeta:G3}: the localized quadratic posterior is improper at γ = {gamma:G4}.");
        var (mean, se) = Trace(h => nBeta * h / (nBeta * h + gamma));
        return new QuadraticPrediction(nBeta, gamma, mean / 2, se / 2, null);
    }

    /// <summary>One probe: <paramref name="steps"/> Lanczos steps from the unit vector <paramref name="v"/>, fully reorthogonalized.</summary>
    private static LanczosQuadrature Lanczos(Func<double[], double[]> times, double[] v, int steps, CancellationToken cancellationToken, Action step)
    {
        int d = v.Length;
        var basis = new List<double[]> { v };
        var alpha = new List<double>();
        var beta = new List<double>();
        for (int j = 0; j < steps; j++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var w = times(basis[j]);
            if (w.Length != d) throw new InvalidOperationException($"The operator returned {w.Length} values for a vector of {d}.");
            if (w.Any(x => !double.IsFinite(x))) throw new InvalidOperationException($"The operator returned a value that is not finite at Lanczos step {j + 1}.");
            step();
            double a = Dot(w, basis[j]);
            alpha.Add(a);
            // Two passes of Gram–Schmidt against the whole basis keep it orthogonal in floating point.
            for (int pass = 0; pass < 2; pass++)
                foreach (var q in basis) Axpy(-Dot(w, q), q, w);
            double b = Math.Sqrt(Dot(w, w));
            if (j == steps - 1 || b <= 1e-12 * Math.Max(1, Math.Abs(a))) break;
            beta.Add(b);
            for (int i = 0; i < d; i++) w[i] /= b;
            basis.Add(w);
        }
        var (nodes, firstComponents) = SymmetricTridiagonal.Eigen(alpha.ToArray(), beta.Take(alpha.Count - 1).ToArray());
        return new LanczosQuadrature(nodes, firstComponents.Select(c => c * c).ToArray());
    }

    private static double Dot(double[] x, double[] y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += a * x[i];
    }
}
