using Microsoft.Data.Analysis;
using Slt.GroundTruth;
using Slt.Presentation;

namespace Slt.Phases;

/// <summary>
/// A Bayesian phase transition computed exactly: a learning machine whose parameter space is the union of a simple region
/// (higher loss, smaller λ) and a complex one (lower loss, larger λ). The posterior mass of the complex region,
/// P_n(complex) = Z_complex / (Z_simple + Z_complex), is exact by quadrature at every n; the exact critical n_c is where
/// the two free energies cross (the mass passes ½); the asymptotic formula's n_c is where the predicted free energies
/// cross, with the terms of each <see cref="FreeEnergyTerms"/> level.
/// </summary>
/// <param name="Simple">The region of higher loss and smaller λ.</param>
/// <param name="Complex">The region of lower loss and larger λ.</param>
public sealed record RegionTransition(PhaseRegion Simple, PhaseRegion Complex)
{
    /// <summary>Throws when a region is invalid or the pair is no transition (the simple region must have the higher
    /// loss and, where known, the smaller λ); returns this machine otherwise.</summary>
    public RegionTransition Validate()
    {
        ArgumentNullException.ThrowIfNull(Simple, nameof(Simple));
        ArgumentNullException.ThrowIfNull(Complex, nameof(Complex));
        Simple.Validate(); Complex.Validate();
        if (!(Simple.Loss > Complex.Loss))
            throw new ArgumentException($"The simple region's loss ({Simple.Loss}) must exceed the complex region's ({Complex.Loss}); otherwise the complex region never wins.", nameof(Simple));
        if (Simple.Asymptotics is { } s && Complex.Asymptotics is { } c && !(s.Lambda < c.Lambda))
            throw new ArgumentException($"The simple region's λ ({s.Lambda}) must be below the complex region's ({c.Lambda}); otherwise the simple region never wins.", nameof(Simple));
        return this;
    }

    /// <summary>The pair the workbook shows: simple K = 0.01 + w₁²w₂² (λ = ½, m = 2) against complex K = w₁² + w₂²
    /// (λ = 1), equal prior masses.</summary>
    public static RegionTransition Default { get; } = new RegionTransition(
        new PhaseRegion("simple", 0.01, NormalCrossingPotential.Parse("1,1")),
        new PhaseRegion("complex", 0, NormalCrossingPotential.Parse("1,0;0,1"))).Validate();

    /// <summary>A second pair with m = 1 on both sides: simple K = 0.01 + w₁⁴ (λ = ¼, w₂ free) against complex K = w₁² + w₂²
    /// (λ = 1), the simple region given a quarter of the prior.</summary>
    public static RegionTransition Quartic { get; } = new RegionTransition(
        new PhaseRegion("simple", 0.01, NormalCrossingPotential.Parse("2,0"), PriorMass: 0.25),
        new PhaseRegion("complex", 0, NormalCrossingPotential.Parse("1,0;0,1"), PriorMass: 0.75)).Validate();

    /// <summary>The built-in pairs by name: "default" and "quartic".</summary>
    public static IReadOnlyDictionary<string, RegionTransition> Named { get; } = new Dictionary<string, RegionTransition>
    {
        ["default"] = Default,
        ["quartic"] = Quartic,
    };

    /// <summary>Exact F_simple(n) − F_complex(n): negative while the simple region holds more posterior mass.</summary>
    public double FreeEnergyGap(double n) => Simple.FreeEnergy(n) - Complex.FreeEnergy(n);

    /// <summary>Exact posterior mass of the complex region at n, 1 / (1 + e^{F_complex − F_simple}).</summary>
    public double MassOfComplex(double n) => 1 / (1 + Math.Exp(-FreeEnergyGap(n)));

    /// <summary>The predicted gap with <paramref name="terms"/>, null where a term has no closed form.</summary>
    public double? PredictedGap(double n, FreeEnergyTerms terms) =>
        Simple.PredictedFreeEnergy(n, terms) is double s && Complex.PredictedFreeEnergy(n, terms) is double c ? s - c : null;

    /// <summary>The predicted mass of the complex region with <paramref name="terms"/>.</summary>
    public double? PredictedMassOfComplex(double n, FreeEnergyTerms terms) =>
        PredictedGap(n, terms) is double g ? 1 / (1 + Math.Exp(-g)) : null;

    /// <summary>The exact n_c: the last crossing of the free energies (the mass of the complex region passes ½ for good),
    /// or null if the simple region holds the majority at no n ≥ 2.</summary>
    public double? CriticalSampleSize() => LastCrossing(FreeEnergyGap, 2);

    /// <summary>The asymptotic formula's n_c with <paramref name="terms"/> (searched from n = 3 &gt; e, where log log n is
    /// defined), null if the formula has no such crossing or a term has no closed form.</summary>
    public double? PredictedCriticalSampleSize(FreeEnergyTerms terms) =>
        PredictedGap(3, terms) is null ? null : LastCrossing(n => PredictedGap(n, terms)!.Value, 3);

    /// <summary>
    /// The largest n ≥ <paramref name="from"/> where <paramref name="gap"/> changes sign from negative to positive: a
    /// scan on a grid of ratio 2^{1/16} up to where n·Δc dominates every logarithmic term, then bisection in log n.
    /// </summary>
    internal double? LastCrossing(Func<double, double> gap, double from)
    {
        double dc = Simple.Loss - Complex.Loss;
        // Beyond this n, n·Δc exceeds the logarithmic terms by a wide margin (λ ≤ d/2 per region, |log C|, |log π| bounded).
        double logs = 10 + Math.Abs(Math.Log(Simple.PriorMass / Complex.PriorMass));
        double top = from;
        while (top * dc < logs * (1 + Math.Log(top))) top *= 2;
        double ratio = Math.Pow(2, 1 / 16.0);
        double? lo = null;
        for (double n = from; n <= top * ratio; n *= ratio)
            if (gap(n) < 0) lo = n;
        if (lo is not double a) return null;
        double b = a * ratio;
        if (gap(b) < 0) return null; // still negative at the top of the scan: no crossing found
        for (int i = 0; i < 60; i++)
        {
            double mid = Math.Sqrt(a * b);
            if (gap(mid) < 0) a = mid; else b = mid;
        }
        return Math.Sqrt(a * b);
    }

    /// <summary>The exact n_c beside the predicted ones, one row per level of terms.</summary>
    public DataFrame CriticalTable()
    {
        double? exact = CriticalSampleSize();
        var levels = Enum.GetValues<FreeEnergyTerms>();
        var predicted = levels.Select(PredictedCriticalSampleSize).ToArray();
        return new DataFrame(
            new StringDataFrameColumn("prediction", levels.Select(Describe)),
            new PrimitiveDataFrameColumn<double>("n_c", predicted),
            new PrimitiveDataFrameColumn<double>("exact n_c", levels.Select(_ => exact)),
            new PrimitiveDataFrameColumn<double>("relative error", predicted.Select(p => p is double v && exact is double e ? Math.Round((v - e) / e, 6) : (double?)null)));
    }

    /// <summary>One printed line: the prediction with <paramref name="terms"/> and its relative error against the exact n_c.</summary>
    public string PredictionLine(FreeEnergyTerms terms)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        if (PredictedCriticalSampleSize(terms) is not double p) return $"predicted with {Describe(terms)}: no closed form";
        string error = CriticalSampleSize() is double e ? string.Create(c, $" ({Math.Round(100 * (p - e) / e, 1) + 0.0:+0.0;-0.0;0.0} %)") : "";
        return string.Create(c, $"predicted with {Describe(terms)}: n_c = {p:F1}") + error;
    }

    /// <summary>A short name of a level of terms, as the tables print it.</summary>
    public static string Describe(FreeEnergyTerms terms) => terms switch
    {
        FreeEnergyTerms.Leading => "n c + λ log n",
        FreeEnergyTerms.LogLog => "+ (m−1) log log n",
        FreeEnergyTerms.Prior => "+ log π",
        _ => "+ log C",
    };

    /// <summary>One line naming the pair: losses, shapes, λ and m, prior masses.</summary>
    public string Summary()
    {
        static string Region(PhaseRegion r) =>
            $"{r.Name}: K = {r.Loss:G4} + {r.Shape.Notation} (λ = {r.Asymptotics?.Lambda.ToString("G4") ?? "?"}, m = {r.Asymptotics?.Multiplicity.ToString() ?? "?"}), π = {r.PriorMass:G4}";
        return $"{Region(Simple)}; {Region(Complex)}";
    }

    /// <summary>Log-spaced sample sizes from 3 to <paramref name="maxN"/>.</summary>
    public static double[] Grid(double maxN, int points = 120)
    {
        if (!(maxN > 3)) throw new ArgumentOutOfRangeException(nameof(maxN), maxN, "maxN must exceed 3.");
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), points, "points must be at least 2.");
        return Enumerable.Range(0, points).Select(i => Math.Exp(Math.Log(3) + (Math.Log(maxN) - Math.Log(3)) * i / (points - 1))).ToArray();
    }

    /// <summary>Exact and predicted mass of the complex region over <paramref name="n"/>: one row per n.</summary>
    public DataFrame MassTable(IReadOnlyList<double> n) => new(
        new PrimitiveDataFrameColumn<double>("n", n),
        new PrimitiveDataFrameColumn<double>("exact P(complex)", n.Select(MassOfComplex)),
        new PrimitiveDataFrameColumn<double>("predicted, n c + λ log n", n.Select(x => PredictedMassOfComplex(x, FreeEnergyTerms.Leading))),
        new PrimitiveDataFrameColumn<double>("predicted, all terms", n.Select(x => PredictedMassOfComplex(x, FreeEnergyTerms.Constant))));

    /// <summary>The exact posterior mass of each region against n, the formula's masses dashed, n_c marked.</summary>
    public Figure ToFigure(double maxN)
    {
        var n = Grid(maxN, 160);
        var traces = new List<Trace>
        {
            new LineTrace("exact P(complex)", n, n.Select(MassOfComplex).ToArray(), Emphasis: Emphasis.Strong),
            new LineTrace("exact P(simple)", n, n.Select(x => 1 - MassOfComplex(x)).ToArray()),
        };
        foreach (var level in new[] { FreeEnergyTerms.Leading, FreeEnergyTerms.Constant })
            if (PredictedMassOfComplex(3, level) is not null)
                traces.Add(new LineTrace($"P(complex) predicted, {Describe(level)}", n, n.Select(x => PredictedMassOfComplex(x, level)!.Value).ToArray(), Dashed: true));
        var marks = new List<Mark>();
        if (CriticalSampleSize() is double nc) marks.Add(new VerticalLine($"exact n_c = {nc:F0}", nc));
        // One label only: two labels at neighbouring n overlap at the top of the plot; the formula's n_c is where its dashed
        // curve crosses ½, and the chapter prints it.
        return new Figure("Posterior mass of each region against n", traces, new Axis("sample size n", Log: true), new Axis("posterior mass", Min: 0, Max: 1))
        {
            Marks = marks,
        };
    }
}
