using Slt.Losses;
using Slt.Model;
using Slt.Transitions;
using Slt.Truth;

namespace Slt.Phases;

/// <summary>The captured in-context gain of one group of windows: a family (or "all") and a frequency class (or "all").</summary>
/// <param name="Family">The family's name, or "all" for both families together.</param>
/// <param name="Class">"all", "head" or "tail" (<see cref="TaskFrequencyClass"/>).</param>
/// <param name="Gain">G ± se on the group's windows.</param>
public sealed record GainCell(string Family, string Class, CapturedGain Gain);

/// <summary>What a <see cref="SweepProbe"/> measures of one predictor.</summary>
/// <param name="Cells">G ± se overall ("all", "all"), per frequency class over both families ("all", "head"/"tail") and
/// per family and class.</param>
/// <param name="Kl">K^l = mean over windows of KL(q(· | t_1..t_l) ‖ p(· | t_1..t_l)) for l = 1..C − 1 (nats).</param>
/// <param name="KlStandardError">Its standard error over windows, per l.</param>
/// <param name="HeadKlAtOne">W = K^1 on the windows of head tasks: the in-weights loss (0 for the truth).</param>
/// <param name="HeadKlAtOneSe">Its standard error.</param>
/// <param name="TailKlAtOne">K^1 on the windows of tail tasks.</param>
/// <param name="UntrainedHeadKlAtOne">W of the reference (untrained) predictor, or null without one.</param>
/// <param name="InWeightsShare">1 − W / W_untrained: the share of the untrained model's length-1 error on head tasks the
/// weights have removed (1 for the truth), or null without a reference.</param>
public sealed record ProbeReading(
    IReadOnlyList<GainCell> Cells,
    double[] Kl,
    double[] KlStandardError,
    double HeadKlAtOne,
    double HeadKlAtOneSe,
    double TailKlAtOne,
    double? UntrainedHeadKlAtOne,
    double? InWeightsShare)
{
    /// <summary>G ± se of a group.</summary>
    /// <exception cref="KeyNotFoundException">No such group.</exception>
    public CapturedGain Gain(string family = "all", string cls = "all") =>
        Cells.FirstOrDefault(c => c.Family == family && c.Class == cls)?.Gain
        ?? throw new KeyNotFoundException($"No gain measured for family '{family}', class '{cls}'.");

    /// <summary>K = Σ_l K^l (nats).</summary>
    public double TotalKl => Kl.Sum();
}

/// <summary>
/// One fixed evaluation sample of a truth, its windows grouped by the task of their first token (family, and head or
/// tail of the family's Zipf prior, <see cref="TaskFrequencyClass.HeadAndTail"/>): measures the captured in-context gain
/// G per group, K^l by input length, and the in-weights loss W (K^1 on head-task windows) of any predictor.
/// </summary>
/// <remarks>The same sample serves every model of a sweep, so their numbers are comparable; the truth's conditionals are
/// computed once. With α = 0 (a uniform prior) the head is the lowest-index tasks whose mass reaches the head share (the
/// tie rule), about half the tasks, so head and tail hold equally frequent tasks.</remarks>
public sealed class SweepProbe
{
    private readonly LengthDecomposedKl _kl;
    private readonly List<(string Family, string Class, int[] Windows)> _groups;
    private readonly int[] _head, _tail;

    /// <param name="truth">The truth whose windows probe the models.</param>
    /// <param name="windows">Windows in the sample, at least 64.</param>
    /// <param name="seed">The sample's seed.</param>
    /// <param name="headShare">The head's share of each family's prior mass, in (0, 1).</param>
    /// <exception cref="ArgumentException">Too few windows, a bad head share, or a group with fewer than two windows.</exception>
    public SweepProbe(TrueDistribution truth, int windows, long seed, double headShare = 0.5)
    {
        ArgumentNullException.ThrowIfNull(truth);
        if (windows < 64) throw new ArgumentOutOfRangeException(nameof(windows), windows, "windows must be at least 64.");
        Truth = truth;
        Classes = TaskFrequencyClass.HeadAndTail(truth, headShare);
        var sample = new CorpusGenerator(truth).Sample(windows, seed);
        _kl = new LengthDecomposedKl(truth, sample);
        var classOfTask = new Dictionary<int, TaskFrequencyClass>();
        foreach (var c in Classes) foreach (int k in c.Tasks) classOfTask[k] = c;
        var members = new Dictionary<(string, string), List<int>>();
        int switching = 0;
        for (int w = 0; w < sample.Count; w++)
        {
            var tasks = sample.TasksOf(w);
            foreach (int k in tasks) if (k != tasks[0]) { switching++; break; }
            var c = classOfTask[tasks[0]];
            foreach (var key in new[] { ("all", "all"), ("all", c.Name), (c.FamilyName, "all"), (c.FamilyName, c.Name) })
            {
                if (!members.TryGetValue(key, out var list)) members[key] = list = [];
                list.Add(w);
            }
        }
        TaskSwitchShare = (double)switching / sample.Count;
        var keys = new List<(string, string)> { ("all", "all"), ("all", "head"), ("all", "tail") };
        foreach (var family in Classes.Select(c => c.FamilyName).Distinct())
            keys.AddRange([(family, "all"), (family, "head"), (family, "tail")]);
        _groups = [];
        foreach (var (family, cls) in keys)
        {
            var list = members.GetValueOrDefault((family, cls)) ?? [];
            if (list.Count < 2)
                throw new ArgumentException($"The probe sample holds {list.Count} window(s) of family '{family}', class '{cls}'; draw more windows.", nameof(windows));
            _groups.Add((family, cls, list.ToArray()));
        }
        _head = _groups.First(g => g.Family == "all" && g.Class == "head").Windows;
        _tail = _groups.First(g => g.Family == "all" && g.Class == "tail").Windows;
    }

    /// <summary>The truth probed.</summary>
    public TrueDistribution Truth { get; }

    /// <summary>The head and tail of each family.</summary>
    public IReadOnlyList<TaskFrequencyClass> Classes { get; }

    /// <summary>Windows in the sample.</summary>
    public int Windows => _kl.Sample.Count;

    /// <summary>Share of the sample's windows whose task changes inside the window (0 at burstiness 1).</summary>
    public double TaskSwitchShare { get; }

    /// <summary>Measures <paramref name="model"/>; with <paramref name="untrained"/>, also its in-weights share against it.</summary>
    /// <exception cref="ArgumentException">A predictor over another vocabulary, or a reference with W = 0.</exception>
    public ProbeReading Measure(INextTokenPredictor model, INextTokenPredictor? untrained = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var cross = _kl.CrossEntropyPerWindow(model);
        var entropy = _kl.EntropyPerWindow.ToArray();
        int lengths = _kl.Sample.ContextLength - 1, n = Windows;
        var cells = _groups.Select(g => new GainCell(g.Family, g.Class, CapturedGain.Of(cross, entropy, lengths, g.Windows))).ToArray();
        var kl = new double[lengths];
        var klSe = new double[lengths];
        for (int l = 0; l < lengths; l++)
        {
            var (mean, se) = MeanAndError(Enumerable.Range(0, n).Select(w => cross[w * lengths + l] - entropy[w * lengths + l]).ToArray());
            kl[l] = mean;
            klSe[l] = se;
        }
        var (head, headSe) = KlAtOne(cross, entropy, lengths, _head);
        var (tail, _) = KlAtOne(cross, entropy, lengths, _tail);
        double? reference = null, share = null;
        if (untrained is not null)
        {
            reference = KlAtOne(_kl.CrossEntropyPerWindow(untrained), entropy, lengths, _head).Mean;
            if (!(reference > 0)) throw new ArgumentException($"The reference predictor's head K^1 is {reference}; it must be positive to normalise by.", nameof(untrained));
            share = 1 - head / reference.Value;
        }
        return new ProbeReading(cells, kl, klSe, head, headSe, tail, reference, share);
    }

    private static (double Mean, double Se) KlAtOne(double[] cross, ReadOnlySpan<double> entropy, int lengths, int[] windows)
    {
        var values = new double[windows.Length];
        for (int j = 0; j < windows.Length; j++) values[j] = cross[windows[j] * lengths] - entropy[windows[j] * lengths];
        return MeanAndError(values);
    }

    /// <summary>Mean and standard error of the mean (NaN-free: at least two values are required).</summary>
    internal static (double Mean, double Se) MeanAndError(IReadOnlyList<double> values)
    {
        if (values.Count < 2) throw new ArgumentException($"A mean ± se needs at least two values, got {values.Count}.", nameof(values));
        double mean = values.Average(), ss = 0;
        foreach (double v in values) ss += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(ss / (values.Count - 1) / values.Count));
    }
}
