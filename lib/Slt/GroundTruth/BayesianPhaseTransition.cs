using Slt.Presentation;

namespace Slt.GroundTruth;

/// <summary>
/// Model selection as phase selection: two regions W_A, W_B of parameter space with losses L_A &gt; L_B and learning
/// coefficients λ_A &lt; λ_B. By the free energy formula F_n(W_α) ≈ n L_α + λ_α log n, the posterior prefers the simpler
/// region A while n(L_A − L_B) &lt; (λ_B − λ_A) log n and switches at the critical n_c solving n_c ΔL = Δλ log n_c.
/// </summary>
public sealed record BayesianPhaseTransition
{
    public BayesianPhaseTransition(double lossA, double lambdaA, double lossB, double lambdaB)
    {
        if (!(lossA > lossB)) throw new ArgumentOutOfRangeException(nameof(lossA), lossA, $"L_A must exceed L_B = {lossB}.");
        if (!(lambdaA < lambdaB)) throw new ArgumentOutOfRangeException(nameof(lambdaA), lambdaA, $"λ_A must be below λ_B = {lambdaB}.");
        (LossA, LambdaA, LossB, LambdaB) = (lossA, lambdaA, lossB, lambdaB);
    }

    public double LossA { get; }
    public double LambdaA { get; }
    public double LossB { get; }
    public double LambdaB { get; }

    /// <summary>F_n(W_α) ≈ n L_α + λ_α log n.</summary>
    public double FreeEnergyA(double n) => n * LossA + LambdaA * Math.Log(n);
    public double FreeEnergyB(double n) => n * LossB + LambdaB * Math.Log(n);

    /// <summary>Posterior mass of A against B, 1 / (1 + e^{F_A − F_B}).</summary>
    public double PosteriorOfA(double n) => 1 / (1 + Math.Exp(FreeEnergyA(n) - FreeEnergyB(n)));

    /// <summary>The critical n_c &gt; e where n ΔL = Δλ log n (bisection on the larger root); null if A never wins.</summary>
    public double? CriticalSampleSize()
    {
        double dl = LossA - LossB, dlam = LambdaB - LambdaA;
        double f(double n) => n * dl - dlam * Math.Log(n);
        double lo = Math.Max(Math.E, dlam / dl), hi = lo;
        if (f(lo) >= 0) return null;
        while (f(hi) < 0) hi *= 2;
        for (int i = 0; i < 200; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (f(mid) < 0) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>F_n(W_A) − F_n(W_B) and the posterior mass of A over n, with n_c marked.</summary>
    public Figure ToFigure(double maxN)
    {
        var n = Enumerable.Range(0, 200).Select(i => Math.Exp(Math.Log(3) + (Math.Log(maxN) - Math.Log(3)) * i / 199)).ToArray();
        var traces = new List<Trace>
        {
            new LineTrace("posterior mass of W_A", n, n.Select(PosteriorOfA).ToArray()),
        };
        return new Figure($"Phase selection: (L_A, λ_A) = ({LossA}, {LambdaA}) vs (L_B, λ_B) = ({LossB}, {LambdaB})", traces,
            new Axis("sample size n", Log: true), new Axis("P(W_A | D_n)", Min: 0, Max: 1))
        {
            Marks = CriticalSampleSize() is double nc ? [new VerticalLine($"n_c = {nc:F0}", nc)] : [],
        };
    }
}
