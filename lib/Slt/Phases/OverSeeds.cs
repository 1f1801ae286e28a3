namespace Slt.Phases;

/// <summary>A quantity's mean over training seeds and its standard error over seeds (null with one seed: no spread to
/// estimate).</summary>
/// <param name="Mean">The mean over seeds.</param>
/// <param name="StandardError">s/√n over the n seeds, or null when n = 1.</param>
/// <param name="Seeds">n.</param>
public sealed record OverSeeds(double Mean, double? StandardError, int Seeds)
{
    /// <summary>Mean and standard error of per-seed values.</summary>
    /// <exception cref="ArgumentException">No values, or a value that is not finite.</exception>
    public static OverSeeds Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("Give at least one seed's value.", nameof(values));
        foreach (double v in values)
            if (!double.IsFinite(v)) throw new ArgumentException($"A per-seed value is {v}; every value must be finite.", nameof(values));
        if (values.Count == 1) return new OverSeeds(values[0], null, 1);
        var (mean, se) = SweepProbe.MeanAndError(values);
        return new OverSeeds(mean, se, values.Count);
    }

    /// <summary>"0.512 ± 0.031" (or "0.512" with one seed).</summary>
    public override string ToString() => StandardError is { } se
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Mean:F3} ± {se:F3}")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Mean:F3}");
}

/// <summary>One group of a sweep's runs (one corpus, or one architecture) summarised over its seeds.</summary>
/// <param name="Knob">What varies: "zipf", "burstiness", "tasks" (data sweep) or "architecture".</param>
/// <param name="Value">The knob's value as a number (α, b, tasks per family; the parameter count for architectures).</param>
/// <param name="Label">The group's label (the corpus or the architecture).</param>
/// <param name="Parameters">The model's parameter count.</param>
/// <param name="Gain">G (all windows) over seeds.</param>
/// <param name="HeadGain">G on head-task windows over seeds.</param>
/// <param name="TailGain">G on tail-task windows over seeds.</param>
/// <param name="InWeightsShare">1 − W/W_untrained over seeds.</param>
/// <param name="HeadKlAtOne">W = K^1 on head-task windows over seeds (nats).</param>
/// <param name="TotalKl">K = Σ_l K^l over seeds (nats).</param>
/// <param name="OwnGain">G on the training corpus's own (non-bursty) windows over seeds, when measured.</param>
public sealed record SweepSummaryRow(string Knob, double Value, string Label, long Parameters, OverSeeds Gain, OverSeeds HeadGain, OverSeeds TailGain,
    OverSeeds InWeightsShare, OverSeeds HeadKlAtOne, OverSeeds TotalKl, OverSeeds? OwnGain)
{
    /// <summary>One printed line: the knob's value, G (all, head, tail) and W on head tasks, each mean ± se over seeds.</summary>
    public string Line()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        string w = HeadKlAtOne.StandardError is { } se ? string.Create(c, $"{HeadKlAtOne.Mean:F4} ± {se:F4}") : string.Create(c, $"{HeadKlAtOne.Mean:F4}");
        return string.Create(c, $"{(Knob == "architecture" ? $"{Parameters:N0} parameters" : $"{Knob} = {Value:G4}")} ({Label}, {Gain.Seeds} seeds): G {Gain}, head {HeadGain}, tail {TailGain}; W head {w} nats")
            + (OwnGain is { } own ? $"; G on its own windows {own}" : "");
    }

    /// <summary>Summarises runs that differ only in their seed.</summary>
    public static SweepSummaryRow Of(string knob, double value, string label, IReadOnlyList<SweepMeasurement> runs)
    {
        if (runs.Count == 0) throw new ArgumentException("A summary needs at least one run.", nameof(runs));
        OverSeeds Over(Func<SweepMeasurement, double> f) => OverSeeds.Of(runs.Select(f).ToArray());
        return new SweepSummaryRow(knob, value, label, runs[0].Parameters,
            Over(r => r.Reading.Gain().Gain), Over(r => r.Reading.Gain("all", "head").Gain), Over(r => r.Reading.Gain("all", "tail").Gain),
            Over(r => r.Reading.InWeightsShare ?? throw new InvalidOperationException("A run was measured without its untrained reference.")),
            Over(r => r.Reading.HeadKlAtOne), Over(r => r.Reading.TotalKl),
            runs.All(r => r.OwnGain is not null) ? Over(r => r.OwnGain!.Gain) : null);
    }
}
