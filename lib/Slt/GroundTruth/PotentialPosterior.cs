using Microsoft.Data.Analysis;
using Slt.Presentation;

namespace Slt.GroundTruth;

/// <summary>
/// The exact posterior p(w | D_n) ∝ φ(w) e^{−nK(w)} of a two-variable potential on [−1, 1]², and its free energy
/// F_n = −log Z_n against the asymptotic formula F_n ≈ λ log n − (m − 1) log log n + O(1) (Watanabe 2009, main formula).
/// </summary>
public static class PotentialPosterior
{
    /// <summary>Posterior densities on a <paramref name="resolution"/>² grid, one heatmap per n (normalized to a maximum of 1).</summary>
    public static FigureGrid Heatmaps(NormalCrossingPotential potential, IReadOnlyList<double> sampleSizes, int resolution = 81)
    {
        ArgumentNullException.ThrowIfNull(potential);
        if (potential.Dimension != 2) throw new ArgumentException($"Heatmaps need two variables; \"{potential.Notation}\" has {potential.Dimension}.", nameof(potential));
        if (resolution < 5) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "resolution must be ≥ 5.");
        var axis = Enumerable.Range(0, resolution).Select(i => -1 + 2.0 * i / (resolution - 1)).ToArray();
        var figures = sampleSizes.Select(n =>
        {
            var z = axis.Select(w2 => axis.Select(w1 => Math.Exp(-n * potential.Evaluate([w1, w2]))).ToArray()).ToArray();
            double max = z.Max(r => r.Max());
            foreach (var row in z) for (int j = 0; j < row.Length; j++) row[j] /= max;
            return new Figure($"n = {n:G}", [new HeatmapTrace("posterior", axis, axis, z, "density / max")], new Axis("w₁"), new Axis("w₂"));
        }).ToArray();
        return Figure.Grid(Math.Min(4, figures.Length), figures);
    }

    /// <summary>Exact F_n and λ log n − (m − 1) log log n over n (the difference tends to a constant).</summary>
    public static (double[] N, double[] Exact, double[] Formula) FreeEnergyCurve(NormalCrossingPotential potential, IReadOnlyList<double> sampleSizes)
    {
        var (lambda, m) = potential.LearningCoefficient() ?? throw new ArgumentException($"λ of \"{potential.Notation}\" is not known in closed form.", nameof(potential));
        var n = sampleSizes.ToArray();
        var exact = n.Select(v => PotentialQuadrature.FreeEnergy(potential, v)).ToArray();
        var formula = n.Select(v => lambda * Math.Log(v) - (m - 1) * Math.Log(Math.Log(v))).ToArray();
        return (n, exact, formula);
    }

    /// <summary>The curve as a chart, with the formula shifted by its constant at the largest n.</summary>
    public static Figure FreeEnergyFigure(NormalCrossingPotential potential, IReadOnlyList<double> sampleSizes)
    {
        var (n, exact, formula) = FreeEnergyCurve(potential, sampleSizes);
        double shift = exact[^1] - formula[^1];
        return new Figure($"Free energy of {potential.Notation}: exact vs λ log n − (m−1) log log n + const",
            [new LineTrace("exact F_n (quadrature)", n, exact, Markers: true),
             new LineTrace("λ log n − (m−1) log log n + c", n, formula.Select(f => f + shift).ToArray(), Dashed: true)],
            new Axis("sample size n", Log: true), new Axis("F_n (nats)"));
    }

    /// <summary>n, exact F_n, the formula and their difference as a table.</summary>
    public static DataFrame FreeEnergyTable(NormalCrossingPotential potential, IReadOnlyList<double> sampleSizes)
    {
        var (n, exact, formula) = FreeEnergyCurve(potential, sampleSizes);
        return new DataFrame(new PrimitiveDataFrameColumn<double>("n", n), new PrimitiveDataFrameColumn<double>("F_n exact", exact),
            new PrimitiveDataFrameColumn<double>("λ log n − (m−1) log log n", formula),
            new PrimitiveDataFrameColumn<double>("difference", exact.Zip(formula, (a, b) => a - b)));
    }
}
