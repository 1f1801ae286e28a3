namespace Slt.Transitions;

/// <summary>
/// Where a curve measured at checkpoints first crosses a level with confidence: the onset lies in
/// (<see cref="After"/>, <see cref="At"/>], between the last checkpoint that did not cross and the first that did.
/// </summary>
/// <param name="After">The step of the checkpoint before the first crossing; null when the first checkpoint already
/// crosses (the onset is at or before it) or when nothing crosses.</param>
/// <param name="At">The step of the first checkpoint that crosses; null when none does ("no onset").</param>
/// <param name="Sustained">Whether every later checkpoint crosses too (false when there is no onset).</param>
public sealed record Onset(int? After, int? At, bool Sustained)
{
    /// <summary>Whether some checkpoint crosses.</summary>
    public bool Found => At is not null;

    /// <summary>"(a, b]", "≤ b" (crossed at the first checkpoint) or "none".</summary>
    public override string ToString() => At is not int at ? "none" : After is int a ? $"({a}, {at}]" : $"≤ {at}";

    /// <summary>
    /// The first checkpoint i at which value_i − z·se_i &gt; level (<paramref name="above"/>) or value_i + z·se_i &lt; level
    /// (not <paramref name="above"/>): the curve is beyond the level by z standard errors.
    /// </summary>
    /// <param name="steps">The checkpoints' steps, strictly increasing.</param>
    /// <param name="values">The curve at each checkpoint.</param>
    /// <param name="standardErrors">Its standard error at each checkpoint (≥ 0).</param>
    /// <param name="level">The level to cross.</param>
    /// <param name="z">Standard errors of margin (≥ 0).</param>
    /// <param name="above">True: crossing upwards; false: downwards.</param>
    /// <param name="gate">Optional: a checkpoint counts only where this is true as well (another condition that must hold).</param>
    /// <exception cref="ArgumentException">Arrays of different lengths, none at all, steps not increasing, a negative or
    /// non-finite se or z, or a NaN value.</exception>
    public static Onset FirstCrossing(IReadOnlyList<int> steps, IReadOnlyList<double> values, IReadOnlyList<double> standardErrors,
        double level, double z, bool above = true, IReadOnlyList<bool>? gate = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(standardErrors);
        int n = steps.Count;
        if (n == 0) throw new ArgumentException("An onset needs at least one checkpoint.", nameof(steps));
        if (values.Count != n || standardErrors.Count != n || (gate is not null && gate.Count != n))
            throw new ArgumentException($"steps ({n}), values ({values.Count}), standardErrors ({standardErrors.Count}){(gate is null ? "" : $" and gate ({gate.Count})")} must have one entry per checkpoint.", nameof(values));
        if (!(z >= 0) || !double.IsFinite(z)) throw new ArgumentOutOfRangeException(nameof(z), z, "z must be finite and ≥ 0.");
        if (!double.IsFinite(level)) throw new ArgumentOutOfRangeException(nameof(level), level, "level must be finite.");
        for (int i = 0; i < n; i++)
        {
            if (i > 0 && steps[i] <= steps[i - 1]) throw new ArgumentException($"steps must increase: {steps[i - 1]} then {steps[i]}.", nameof(steps));
            if (double.IsNaN(values[i])) throw new ArgumentException($"values[{i}] (step {steps[i]}) is NaN.", nameof(values));
            if (!(standardErrors[i] >= 0) || !double.IsFinite(standardErrors[i]))
                throw new ArgumentException($"standardErrors[{i}] (step {steps[i]}) = {standardErrors[i]} is not a finite number ≥ 0.", nameof(standardErrors));
        }
        bool Crosses(int i) => (gate is null || gate[i]) &&
            (above ? values[i] - z * standardErrors[i] > level : values[i] + z * standardErrors[i] < level);
        for (int i = 0; i < n; i++)
        {
            if (!Crosses(i)) continue;
            bool sustained = true;
            for (int j = i + 1; j < n; j++) sustained &= Crosses(j);
            return new Onset(i == 0 ? null : steps[i - 1], steps[i], sustained);
        }
        return new Onset(null, null, false);
    }
}
