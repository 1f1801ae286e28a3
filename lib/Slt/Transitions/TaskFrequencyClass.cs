using Slt.Truth;

namespace Slt.Transitions;

/// <summary>
/// A set of tasks of one family picked by their prior frequency: the family's head (its most frequent tasks) or its
/// tail (the rest).
/// </summary>
/// <param name="Family">The family index.</param>
/// <param name="FamilyName">The family's name.</param>
/// <param name="Name">"head" or "tail".</param>
/// <param name="Tasks">The task indices of the class, most frequent first.</param>
/// <param name="PriorShare">The class's share of the family's prior mass, Σ_{k ∈ class} π_k / Σ_{k ∈ family} π_k.</param>
public sealed record TaskFrequencyClass(int Family, string FamilyName, string Name, int[] Tasks, double PriorShare)
{
    /// <summary>The head: the fewest most frequent tasks of each family whose prior mass reaches
    /// <paramref name="headShare"/> of the family's mass; the tail: the family's other tasks. With the default share ½ the
    /// two classes hold about equal numbers of windows (so equal standard errors) while the head is a handful of tasks
    /// each seen often in training and the tail many tasks each seen rarely. Ties in the prior go to the lower index.</summary>
    /// <param name="truth">The truth whose prior is split (the whole mixture or one family's).</param>
    /// <param name="headShare">The head's share of each family's prior mass, in (0, 1).</param>
    /// <returns>Head then tail of each family, families in index order (families with no prior mass left out).</returns>
    /// <exception cref="ArgumentException">The share is not in (0, 1), or a family has fewer than two tasks (no tail).</exception>
    public static IReadOnlyList<TaskFrequencyClass> HeadAndTail(TrueDistribution truth, double headShare = 0.5)
    {
        ArgumentNullException.ThrowIfNull(truth);
        if (!(headShare > 0 && headShare < 1))
            throw new ArgumentOutOfRangeException(nameof(headShare), headShare, "headShare must be in (0, 1).");
        var classes = new List<TaskFrequencyClass>();
        var names = truth.Vocabulary.FamilyNames;
        for (int f = 0; f < names.Count; f++)
        {
            var tasks = truth.Tasks.Where(t => t.Family == f && t.Prior > 0)
                .OrderByDescending(t => t.Prior).ThenBy(t => t.Index).ToArray();
            if (tasks.Length == 0) continue;
            if (tasks.Length < 2)
                throw new ArgumentException($"Family {names[f]} has {tasks.Length} task; a head/tail split needs at least two.", nameof(truth));
            double mass = tasks.Sum(t => t.Prior), cumulative = 0;
            int head = 0;
            while (head < tasks.Length - 1 && cumulative < headShare * mass) cumulative += tasks[head++].Prior;
            classes.Add(new TaskFrequencyClass(f, names[f], "head", tasks[..head].Select(t => t.Index).ToArray(), cumulative / mass));
            classes.Add(new TaskFrequencyClass(f, names[f], "tail", tasks[head..].Select(t => t.Index).ToArray(), 1 - cumulative / mass));
        }
        return classes;
    }
}
