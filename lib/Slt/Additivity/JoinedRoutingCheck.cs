using Slt.Losses;
using Slt.Truth;
using TorchSharp;
using static TorchSharp.torch;

namespace Slt.Additivity;

/// <summary>
/// Checks that a <see cref="JoinedTransformer"/> is what the splitting argument needs on a sample: per family f, the
/// joined model's log-probabilities on f's windows against part f's run alone on them (max |Δ log p|, zero when the
/// routing is exact), the same against the other part (far from zero: the check has power), and the largest gradient
/// that the loss of f's windows puts on the other part's weights (zero when the parts are disjoint in the loss).
/// </summary>
/// <param name="Windows">Windows checked.</param>
/// <param name="MaxRoutedDifference">max over families and windows of |log p_joined − log p_part(own family)|.</param>
/// <param name="MinOtherPartDifference">min over families of max |log p_joined − log p_part(other family)| (power).</param>
/// <param name="MaxForeignGradient">max over families of the largest |∂ L^f / ∂ v| over the other part's weights v.</param>
public sealed record JoinedRoutingCheck(int Windows, double MaxRoutedDifference, double MinOtherPartDifference, double MaxForeignGradient)
{
    /// <summary>Runs the check on a sample (every family must have a window in it).</summary>
    /// <exception cref="ArgumentException">A family has no window in the sample.</exception>
    public static JoinedRoutingCheck Of(JoinedTransformer model, WindowSample sample)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sample);
        var partition = FamilyPartition.Of(sample);
        for (int f = 0; f < model.Parts.Count; f++)
            if (partition.CountOf(f) == 0) throw new ArgumentException($"The sample has no window of family {model.FamilyNames[f]}; draw more windows.", nameof(sample));
        using var scope = NewDisposeScope();
        var windows = sample.ToTensor(device: model.parameters().First().device);
        double routed = 0, other = double.PositiveInfinity, foreign = 0;
        using (no_grad())
        {
            var joined = model.LogProbabilities(windows);
            for (int f = 0; f < model.Parts.Count; f++)
            {
                var rows = tensor(partition.WindowsOf(f).Select(i => (long)i).ToArray(), dtype: int64, device: windows.device);
                var mine = joined.index_select(0, rows);
                var own = model.Parts[f].forward(windows.index_select(0, rows)).log_softmax(-1);
                routed = Math.Max(routed, (mine - own).abs().max().ToDouble());
                double toOthers = 0;
                for (int g = 0; g < model.Parts.Count; g++)
                    if (g != f) toOthers = Math.Max(toOthers, (mine - model.Parts[g].forward(windows.index_select(0, rows)).log_softmax(-1)).abs().max().ToDouble());
                other = Math.Min(other, toOthers);
            }
        }
        for (int f = 0; f < model.Parts.Count; f++)
        {
            model.zero_grad();
            var rows = tensor(partition.WindowsOf(f).Select(i => (long)i).ToArray(), dtype: int64, device: windows.device);
            NextTokenLoss.PerWindow(model, windows).index_select(0, rows).sum().backward();
            var own = new HashSet<string>(model.ParameterNamesOf(f));
            foreach (var (name, p) in model.named_parameters())
                if (!own.Contains(name) && p.grad is { } grad) foreign = Math.Max(foreign, grad.abs().max().ToDouble());
        }
        model.zero_grad();
        return new JoinedRoutingCheck(sample.Count, routed, other, foreign);
    }

    /// <summary>One line: the three figures.</summary>
    public override string ToString() => FormattableString.Invariant(
        $"{Windows} windows: joined vs own part max |Δ log p| = {MaxRoutedDifference:G3}; vs the other part ≥ {MinOtherPartDifference:F2}; largest gradient of a family's loss in the other part's weights = {MaxForeignGradient:G3}");
}
