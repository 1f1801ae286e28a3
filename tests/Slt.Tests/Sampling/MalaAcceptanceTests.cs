using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Xunit.Abstractions;

namespace Slt.Tests.Sampling;

[Collection(Slt.Tests.Estimators.SamplingCollection.Name)]
public sealed class MalaAcceptanceTests(ITestOutputHelper output)
{
    /// <summary>
    /// E_π E_{w′∼q(·|w)} min(1, π(w′) q(w | w′) / (π(w) q(w′ | w))) by quadrature on a grid over (w, w′), for
    /// π ∝ e^{−t w²} on the box and the Langevin proposal N(w − ε t w, ε), folded into the box by reflection when
    /// <paramref name="reflected"/>; otherwise with the plain Gaussian density in the ratio (the formula that ignores
    /// the walls), still averaged over the true, folded proposal.
    /// </summary>
    private static double ExpectedAcceptance(double t, double eps, PriorBox box, bool reflected, int points = 800)
    {
        double width = box.Upper - box.Lower, h = width / (points - 1), reach = 12 * Math.Sqrt(eps);
        var w = Enumerable.Range(0, points).Select(i => box.Lower + i * h).ToArray();
        double Trapezoid(int i) => i == 0 || i == points - 1 ? 0.5 : 1.0;
        double Mean(double x) => x - eps * t * x;
        double Gaussian(double y, double mean) => Math.Exp(-(y - mean) * (y - mean) / (2 * eps)) / Math.Sqrt(2 * Math.PI * eps);
        // The image sum over the periods that can matter when √ε ≪ the box (here √ε = 0.03 of a box of width 1).
        double Folded(double y, double mean)
        {
            double sum = 0;
            for (int k = -2; k <= 2; k++)
                sum += Gaussian(y + 2 * k * width, mean) + Gaussian(2 * box.Lower - y + 2 * k * width, mean);
            return sum;
        }
        bool Reachable(double y, double mean) =>
            Math.Abs(y - mean) < reach || Math.Abs(2 * box.Lower - y - mean) < reach || Math.Abs(2 * box.Upper - y - mean) < reach;
        double minU = w.Min(x => t * x * x);
        double normalizer = 0, total = 0;
        for (int i = 0; i < points; i++)
        {
            double pi = Math.Exp(-(t * w[i] * w[i] - minU)) * Trapezoid(i);
            normalizer += pi;
            double inner = 0;
            for (int j = 0; j < points; j++)
            {
                if (!Reachable(w[j], Mean(w[i]))) continue;
                double forward = Folded(w[j], Mean(w[i]));
                double logRatio = t * (w[i] * w[i] - w[j] * w[j]);
                logRatio += reflected
                    ? Math.Log(Folded(w[i], Mean(w[j]))) - Math.Log(forward)
                    : Math.Log(Gaussian(w[i], Mean(w[j]))) - Math.Log(Gaussian(w[j], Mean(w[i])));
                inner += forward * Math.Min(1, Math.Exp(logRatio)) * Trapezoid(j);
            }
            total += pi * inner * h;
        }
        return total / normalizer;
    }

    /// <remarks>
    /// The posterior e^{−t w²} on [0.5, 1.5] piles up against the wall at 0.5 and the drift pushes through it, so most
    /// proposals that matter are reflected. The exact acceptance of the reflected proposal is about 0.985 here; the
    /// Gaussian formula that ignores the walls says about 0.999, and would fail this test.
    /// </remarks>
    [Fact]
    public void MalaAcceptanceInABoxMatchesTheReflectedProposalsExactRate()
    {
        TorchRuntime.Initialize();
        double t = 10, eps = 1e-3;
        var box = new PriorBox(0.5, 1.5);
        double exact = ExpectedAcceptance(t, eps, box, reflected: true);
        double wallsIgnored = ExpectedAcceptance(t, eps, box, reflected: false);
        var settings = new SgldSettings
        {
            NBeta = t, StepSize = eps, Box = box, Start = ChainStart.PriorBox, Chains = 1024, BurnIn = 1000, Draws = 50,
            StepsBetweenDraws = 10, MalaEvery = 1, Seed = 3,
        };
        var run = Sgld.Run(new PotentialTarget(NormalCrossingPotential.Parse("1")), settings);
        double rate = run.MalaAcceptance.Average();
        output.WriteLine($"MALA acceptance: sampler {rate:F4}, exact (reflected proposal) {exact:F4}, formula ignoring the walls {wallsIgnored:F4}; {run.Seconds:F1}s");
        Assert.True(wallsIgnored - exact > 0.01, "the check below must tell the two formulas apart");
        Assert.True(Math.Abs(rate - exact) <= 0.003, $"sampler {rate:F4} vs exact {exact:F4}");
    }

    [Fact]
    public void MalaAcceptanceNearOneForSmallStepsInsideTheBox()
    {
        TorchRuntime.Initialize();
        var settings = new SgldSettings
        {
            NBeta = 1, StepSize = 1e-4, Box = PriorBox.Symmetric(1), Start = ChainStart.PriorBox, Chains = 256, BurnIn = 100, Draws = 20,
            StepsBetweenDraws = 10, MalaEvery = 1,
        };
        double rate = Sgld.Run(new PotentialTarget(NormalCrossingPotential.Parse("1")), settings).MalaAcceptance.Average();
        Assert.InRange(rate, 0.999, 1.0);
    }
}
