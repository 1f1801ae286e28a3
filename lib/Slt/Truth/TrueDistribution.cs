namespace Slt.Truth;

/// <summary>
/// The truth q of the learning machine (W, p, q, φ): a mixture of Markov tasks (see <see cref="CorpusSpec"/>) whose
/// next-token conditional is exact.
/// </summary>
/// <remarks>
/// The conditional given a prefix is the Bayes mixture
/// q(t_{l+1} | t_1..t_l) = Σ_k π̃_l(k) P_k(t_{l+1} | t_l),
/// where π_l(k) ∝ π̃_{l−1}(k) P_k(t_l | t_{l−1}) is the posterior over the task that emitted t_l (π_1(k) ∝ π_k P_k(t_1),
/// P_k(t_1) the stationary law of task k's chain) and π̃_l = b π_l + (1 − b) π is the prediction for the task of the next
/// token under burstiness b (a hidden Markov model on tasks; forward filtering, e.g. Rabiner 1989). With b = 1 this is the
/// in-context Bayesian model average of Xie et al. 2021 (arXiv 2111.02080) for Markov tasks.
/// <para>Conditioned on a family f (<see cref="TrueDistribution(CorpusSpec, int?)"/>), the prior is π restricted to f's
/// tasks and renormalised, π^f_k = π_k 1[k ∈ f] / Σ_{j ∈ f} π_j; everything else (the tasks, their chains) is unchanged.
/// This q_f = q(· | family f) is the truth of a model trained on f's windows only; its windows hold no other family's word.</para>
/// </remarks>
public sealed class TrueDistribution
{
    private readonly double[] _transition; // [k, t, t'] = P_k(t' | t)
    private readonly double[] _initial;    // [k, t]     = P_k(t_1 = t)
    private readonly double[] _prior;

    /// <param name="spec">The corpus.</param>
    /// <param name="family">Null: the whole mixture. A family index: the truth conditioned on that family (its tasks' prior
    /// renormalised, the other tasks' set to zero).</param>
    /// <exception cref="ArgumentOutOfRangeException">The family index is not one of the corpus's families.</exception>
    public TrueDistribution(CorpusSpec spec, int? family = null)
    {
        Spec = spec.Validate();
        if (family is int fam && (fam < 0 || fam >= spec.Families.Count))
            throw new ArgumentOutOfRangeException(nameof(family), family,
                $"family must be in [0, {spec.Families.Count}) ({string.Join(", ", spec.Families.Select(x => x.Name))}).");
        Family = family;
        Vocabulary = new Vocabulary(spec);
        int v = Vocabulary.Count, families = spec.Families.Count;
        double c = spec.ConnectiveProbability;
        RoleTransition = new double[3, 3];
        RoleTransition[(int)TokenRole.Adjective, (int)TokenRole.Noun] = 1;
        RoleTransition[(int)TokenRole.Noun, (int)TokenRole.Connective] = c;
        RoleTransition[(int)TokenRole.Noun, (int)TokenRole.Adjective] = 1 - c;
        RoleTransition[(int)TokenRole.Connective, (int)TokenRole.Adjective] = 1;
        RoleStationary = [1 / (2 + c), 1 / (2 + c), c / (2 + c)];

        var connective = spec.Connectives.Count == 0 ? [] : DeterministicRandom.ForStream(spec.Seed, "connectives").NextDirichlet(spec.Connectives.Count, 4.0);
        var baseAdjective = new double[families][];
        var baseNoun = new double[families][];
        for (int f = 0; f < families; f++)
        {
            var rng = DeterministicRandom.ForStream(spec.Seed, $"family-{f}");
            baseAdjective[f] = rng.NextDirichlet(spec.Families[f].Adjectives.Count, 1.0);
            baseNoun[f] = rng.NextDirichlet(spec.Families[f].Nouns.Count, 1.0);
        }

        int taskCount = spec.TaskCount;
        double z = 0;
        for (int k = 0; k < taskCount; k++) z += Math.Pow(k + 1, -spec.ZipfExponent);
        var tasks = new MarkovTask[taskCount];
        _prior = new double[taskCount];
        double s = spec.SharedWeight, beta = spec.TaskConcentration;
        for (int k = 0; k < taskCount; k++)
        {
            int f = k % families;
            var rng = DeterministicRandom.ForStream(spec.Seed, $"task-{k}");
            var adjective = rng.NextDirichlet(baseAdjective[f].Length, beta);
            var noun = rng.NextDirichlet(baseNoun[f].Length, beta);
            var emission = new double[v];
            int a = 0, n = 0, cc = 0;
            for (int t = 0; t < v; t++)
            {
                if (Vocabulary.Roles[t] == TokenRole.Marker) emission[t] = 0;
                else if (Vocabulary.Roles[t] == TokenRole.Connective) emission[t] = connective[cc++];
                else if (Vocabulary.FamilyOf[t] != f) emission[t] = 0;
                else if (Vocabulary.Roles[t] == TokenRole.Adjective) { emission[t] = (1 - s) * adjective[a] + s * baseAdjective[f][a]; a++; }
                else { emission[t] = (1 - s) * noun[n] + s * baseNoun[f][n]; n++; }
            }
            _prior[k] = Math.Pow(k + 1, -spec.ZipfExponent) / z;
            tasks[k] = new MarkovTask(k, f, _prior[k], emission);
        }
        if (family is int only)
        {
            double mass = 0;
            for (int k = 0; k < taskCount; k++) if (k % families == only) mass += _prior[k];
            for (int k = 0; k < taskCount; k++)
            {
                _prior[k] = k % families == only ? _prior[k] / mass : 0;
                tasks[k] = tasks[k] with { Prior = _prior[k] };
            }
        }
        Tasks = tasks;

        _transition = new double[taskCount * v * v];
        _initial = new double[taskCount * v];
        var stationary = new double[taskCount * v]; // P_k(t) under the task's stationary law
        for (int k = 0; k < taskCount; k++)
        for (int t = 0; t < v; t++)
            if (Vocabulary.Roles[t] != TokenRole.Marker)
                stationary[k * v + t] = RoleStationary[(int)Vocabulary.Roles[t]] * tasks[k].Emission[t];
        for (int k = 0; k < taskCount; k++)
        for (int t = 0; t < v; t++)
        {
            var role = Vocabulary.Roles[t];
            if (role == TokenRole.Marker)
            {
                // A window with markers starts <family>, then runs the task's chain from its stationary law.
                _initial[k * v + t] = Vocabulary.FamilyOf[t] == tasks[k].Family ? 1 : 0;
                for (int u = 0; u < v; u++) _transition[(k * v + t) * v + u] = stationary[k * v + u];
                continue;
            }
            if (!spec.FamilyMarkers) _initial[k * v + t] = stationary[k * v + t];
            for (int u = 0; u < v; u++)
                if (Vocabulary.Roles[u] != TokenRole.Marker)
                    _transition[(k * v + t) * v + u] = RoleTransition[(int)role, (int)Vocabulary.Roles[u]] * tasks[k].Emission[u];
        }
    }

    public CorpusSpec Spec { get; }

    /// <summary>The family the truth is conditioned on, or null for the whole mixture.</summary>
    public int? Family { get; }

    public Vocabulary Vocabulary { get; }
    public IReadOnlyList<MarkovTask> Tasks { get; }

    /// <summary>R(role' | role), the grammar shared by all tasks.</summary>
    public double[,] RoleTransition { get; }

    /// <summary>The stationary law of the role chain (adjective, noun, connective).</summary>
    public double[] RoleStationary { get; }

    /// <summary>C.</summary>
    public int ContextLength => Spec.ContextLength;

    public int TaskCount => Tasks.Count;

    /// <summary>π_k.</summary>
    public ReadOnlySpan<double> Prior => _prior;

    /// <summary>P_k(t' | t).</summary>
    public double Transition(int task, int from, int to) => _transition[(task * Vocabulary.Count + from) * Vocabulary.Count + to];

    /// <summary>P_k(t_1 = t): the stationary law of task k's chain, or the family marker when markers are on.</summary>
    public double Initial(int task, int token) => _initial[task * Vocabulary.Count + token];

    internal ReadOnlySpan<double> TransitionRow(int task, int from) =>
        _transition.AsSpan((task * Vocabulary.Count + from) * Vocabulary.Count, Vocabulary.Count);

    internal ReadOnlySpan<double> InitialRow(int task) => _initial.AsSpan(task * Vocabulary.Count, Vocabulary.Count);

    /// <summary>
    /// Forward filtering along a sequence: row i of <paramref name="conditionals"/> (length |S|) receives
    /// q(· | t_1..t_{i+1}), the exact next-token law after an input of length l = i + 1; row i of
    /// <paramref name="taskPosteriors"/> (if given, length K) receives π_{i+1}, the posterior over the task of t_{i+1}.
    /// </summary>
    /// <exception cref="ArgumentException">The sequence has probability zero under q, or a token id is out of range.</exception>
    public void Filter(ReadOnlySpan<int> tokens, Span<double> conditionals, Span<double> taskPosteriors = default)
    {
        int v = Vocabulary.Count, kCount = TaskCount, len = tokens.Length;
        if (len == 0) throw new ArgumentException("The sequence is empty.", nameof(tokens));
        if (conditionals.Length < len * v) throw new ArgumentException($"conditionals needs {len * v} entries.", nameof(conditionals));
        foreach (int t in tokens)
            if (t < 0 || t >= v) throw new ArgumentException($"token id {t} is not in [0, {v}).", nameof(tokens));
        double b = Spec.Burstiness;
        Span<double> post = kCount <= 512 ? stackalloc double[kCount] : new double[kCount];
        Span<double> pred = kCount <= 512 ? stackalloc double[kCount] : new double[kCount];
        double norm = 0;
        for (int k = 0; k < kCount; k++) norm += post[k] = _prior[k] * _initial[k * v + tokens[0]];
        Normalise(post, norm, tokens, 0);
        for (int i = 0; i < len; i++)
        {
            if (!taskPosteriors.IsEmpty) post.CopyTo(taskPosteriors.Slice(i * kCount, kCount));
            for (int k = 0; k < kCount; k++) pred[k] = b * post[k] + (1 - b) * _prior[k];
            var row = conditionals.Slice(i * v, v);
            row.Clear();
            for (int k = 0; k < kCount; k++)
            {
                if (pred[k] == 0) continue;
                var p = TransitionRow(k, tokens[i]);
                for (int u = 0; u < v; u++) row[u] += pred[k] * p[u];
            }
            if (i + 1 == len) break;
            norm = 0;
            for (int k = 0; k < kCount; k++) norm += post[k] = pred[k] * _transition[(k * v + tokens[i]) * v + tokens[i + 1]];
            Normalise(post, norm, tokens, i + 1);
        }
    }

    /// <summary>q(· | t_1..t_l) for one prefix (length |S|).</summary>
    public double[] Conditional(ReadOnlySpan<int> prefix)
    {
        var all = new double[prefix.Length * Vocabulary.Count];
        Filter(prefix, all);
        return all[^Vocabulary.Count..];
    }

    /// <summary>The posterior over tasks after the prefix: π_l(k).</summary>
    public double[] TaskPosterior(ReadOnlySpan<int> prefix)
    {
        var all = new double[prefix.Length * Vocabulary.Count];
        var post = new double[prefix.Length * TaskCount];
        Filter(prefix, all, post);
        return post[^TaskCount..];
    }

    /// <summary>H(q) = −Σ q log q in nats (0 log 0 = 0).</summary>
    public static double Entropy(ReadOnlySpan<double> distribution)
    {
        double h = 0;
        foreach (double p in distribution) if (p > 0) h -= p * Math.Log(p);
        return h;
    }

    /// <summary>H(q(· | t_1..t_l)), the exact entropy of the next token given the prefix.</summary>
    public double ConditionalEntropy(ReadOnlySpan<int> prefix) => Entropy(Conditional(prefix));

    private void Normalise(Span<double> post, double norm, ReadOnlySpan<int> tokens, int position)
    {
        if (!(norm > 0))
            throw new ArgumentException(
                $"The sequence has probability zero under the truth at position {position + 1} ('{Vocabulary.Decode(tokens[..(position + 1)])}').",
                nameof(tokens));
        for (int k = 0; k < post.Length; k++) post[k] /= norm;
    }
}
