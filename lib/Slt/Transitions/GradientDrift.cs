using Microsoft.Data.Analysis;
using Slt.Estimators;
using Slt.Model;
using Slt.Training;
using Slt.Truth;
using static TorchSharp.torch;

namespace Slt.Transitions;

/// <summary>The gradient of one estimate's loss at the checkpoint, and how far it can pull λ̂ down.</summary>
/// <param name="Step">Training step.</param>
/// <param name="Data">"whole" or a family's name: whose windows the loss averages over.</param>
/// <param name="NBeta">nβ of that estimate.</param>
/// <param name="GradientNorm">‖∇L(w_t)‖ of that loss (per-window sums over lengths, averaged over its windows).</param>
/// <param name="DriftBound">(nβ)² ‖∇L‖² / γ: the drop in λ̂ that the linear term causes if the gradient lies in directions the loss does not curve.</param>
/// <param name="Llc">The trajectory's λ̂ for this estimate (null where divergent).</param>
public sealed record GradientDriftRow(int Step, string Data, double NBeta, double GradientNorm, double DriftBound, double? Llc);

/// <summary>
/// Why a λ̂ at a training checkpoint can move for a reason other than the geometry: the checkpoint w_t is not a critical
/// point of the loss being sampled. Expanding L(w) ≈ L(w_t) + g·δ + ½ δᵀHδ, the localized posterior's mean shifts to
/// −nβ (nβH + γ)⁻¹ g and the estimate gains −(nβ)² gᵀ(nβH + γ)⁻¹ g + ½ nβ E[δ]ᵀ H E[δ], which is at least
/// −(nβ)² ‖g‖² / γ and reaches it for a gradient in directions with H = 0. A family's restricted loss is never at its own
/// minimum where the sum of the families' losses is (their gradients cancel in the sum), so λ̂_f carries this term with
/// the size of that family's gradient at each checkpoint. <see cref="Measure"/> reports ‖g‖ and the bound per estimate.
/// </summary>
public static class GradientDrift
{
    /// <summary>The gradient and drift bound of every estimate of a trajectory of <paramref name="recipe"/>'s run.</summary>
    /// <param name="trajectory">The trajectory (its settings give the sample and γ).</param>
    /// <param name="recipe">The recipe it measured (default <see cref="TrainingRunConfig.Default"/>).</param>
    /// <exception cref="ArgumentException">The recipe's checkpoints are not the trajectory's.</exception>
    public static IReadOnlyList<GradientDriftRow> Measure(LlcTrajectory trajectory, TrainingRunConfig? recipe = null)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        recipe ??= TrainingRunConfig.Default;
        var (model, run) = TrainedModelCache.GetOrTrain(recipe);
        model.Dispose();
        var files = run.Checkpoints.Where(c => c.CheckpointFile is not null).ToDictionary(c => c.Step, c => c.CheckpointFile!);
        var partition = FamilyPartition.Of(new CorpusGenerator(new TrueDistribution(recipe.Corpus)).Sample(trajectory.Settings.Windows, trajectory.Settings.DataSeed));
        double gamma = trajectory.Settings.Sampler.Localization;
        var rows = new List<GradientDriftRow>();
        foreach (var point in trajectory.Points)
        {
            if (!files.TryGetValue(point.Step, out var file))
                throw new ArgumentException($"The recipe's run has no checkpoint at step {point.Step}: not the trajectory's run.", nameof(recipe));
            var (weights, _) = TransformerCheckpoint.Load(file);
            using (weights)
            {
                weights.eval();
                var parameters = weights.parameters().ToArray();
                void Add(string data, WindowSample sample, Estimators.LlcSummary estimate)
                {
                    using var scope = NewDisposeScope();
                    using var windows = sample.ToTensor();
                    var (_, norm) = OptimumRefinement.LossAndGradientNorm(weights, windows, parameters);
                    rows.Add(new GradientDriftRow(point.Step, data, estimate.NBeta, norm, estimate.NBeta * estimate.NBeta * norm * norm / gamma, estimate.Mean));
                }
                Add("whole", partition.Sample, point.Whole);
                for (int f = 0; f < point.Families.Count; f++) Add(trajectory.FamilyNames[f], partition.SampleOf(f), point.Families[f]);
            }
        }
        return rows;
    }

    /// <summary>At how many checkpoints (with two families, both estimated) the family whose loss has the larger gradient
    /// has the smaller λ̂_f, out of how many: the drift's signature, since a larger ‖g‖ pulls λ̂_f further down.</summary>
    public static (int Agree, int Checkpoints) LargerGradientSmallerLlc(IReadOnlyList<GradientDriftRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int agree = 0, total = 0;
        foreach (var g in rows.Where(r => r.Data != "whole").GroupBy(r => r.Step))
        {
            var pair = g.ToArray();
            if (pair.Length != 2 || pair.Any(r => r.Llc is null)) continue;
            total++;
            var (larger, smaller) = pair[0].GradientNorm >= pair[1].GradientNorm ? (pair[0], pair[1]) : (pair[1], pair[0]);
            if (larger.Llc < smaller.Llc) agree++;
        }
        return (agree, total);
    }

    /// <summary>One row per estimate: step, data, nβ, ‖∇L‖, the drift bound, λ̂.</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<GradientDriftRow> rows) => new(
        new PrimitiveDataFrameColumn<int>("step", rows.Select(r => r.Step)),
        new StringDataFrameColumn("data", rows.Select(r => r.Data)),
        new DoubleDataFrameColumn("nbeta", rows.Select(r => r.NBeta)),
        new DoubleDataFrameColumn("gradient norm", rows.Select(r => r.GradientNorm)),
        new DoubleDataFrameColumn("drift bound", rows.Select(r => r.DriftBound)),
        new DoubleDataFrameColumn("llc", rows.Select(r => r.Llc)));
}
