using Slt.Diagnostics;
using Slt.GroundTruth;
using Slt.Platform;
using Slt.Sampling;
using Slt.Tests.Estimators;

namespace Slt.Tests.Diagnostics;

[Collection(SamplingCollection.Name)]
public sealed class CalibrationSweepTests
{
    [Fact]
    public void SweepRecommendsTheLargestAcceptableStepAndRejectsTooLargeOnes()
    {
        TorchRuntime.Initialize();
        var target = new PotentialTarget(NormalCrossingPotential.Parse("0,1"));
        var shortRuns = new SgldSettings { Chains = 32, BurnIn = 1000, Draws = 50, StepsBetweenDraws = 20, Box = PriorBox.Symmetric(1) };
        var sweep = CalibrationSweep.Run(target, shortRuns, [1e-5, 1e-4, 3e-3], [1000.0], [0.0]);
        Assert.Equal(3, sweep.Points.Count);
        Assert.NotNull(sweep.Recommended);
        Assert.True(sweep.Recommended!.MalaAcceptance >= 0.9);
        Assert.Equal(1e-4, sweep.Recommended.StepSize);
        // ε = 3e-3 at nβ = 1000 (ε·nβ = 3) oscillates across the minimum: low MALA acceptance, never recommended.
        var tooLarge = sweep.Points.Single(p => p.StepSize == 3e-3);
        Assert.False(tooLarge.Acceptable);
        Assert.Equal(2, sweep.ToFigure().Figures.Count);
        Assert.Equal(3, sweep.ToDataFrame().Rows.Count);
    }

    /// <summary>On w₁²w₂² at t = 1000 the step 10⁻³ has a MALA acceptance of about 0.97, which the acceptance rule passed,
    /// and reads about 17% high. The sweep measures that bias from the neighbouring step and rejects it, recommending 10⁻⁴.</summary>
    [Fact]
    public void SweepRejectsAStepWhoseAcceptanceIsHighButWhoseBiasIsNot()
    {
        TorchRuntime.Initialize();
        var potential = NormalCrossingPotential.Parse("1,1");
        var settings = GroundTruthCases.PotentialSettings(potential, 1000, chains: 256);
        var sweep = CalibrationSweep.Run(new PotentialTarget(potential), settings, [1e-4, 1e-3], [1000.0], [0.0]);
        var large = sweep.Points.Single(p => p.StepSize == 1e-3);
        Assert.True(large.MalaAcceptance >= 0.9, $"MALA {large.MalaAcceptance:F3}: the case no longer shows what acceptance misses");
        Assert.True(large.Bias > large.AllowedBias, $"bias {large.Bias:G3} ± {large.BiasStandardError:G3}, allowed {large.AllowedBias:G3}");
        Assert.False(large.Acceptable);
        Assert.Equal(1e-4, sweep.Recommended!.StepSize);
        Assert.Contains("bias", sweep.Advice);
    }
}
