using static TorchSharp.torch;

namespace Slt.Truth;

/// <summary>
/// A sample of n windows of C tokens (and, when drawn from the truth, the task that emitted each token).
/// Window i gives the pairs (t_1..t_l → t_{l+1}) for l = 1..C−1; <see cref="PairsOfLength"/> collects the per-length
/// samples D^l. The input space is the disjoint union ⊔_{l=1}^{C−1} S^l, each length equally likely.
/// </summary>
public sealed class WindowSample
{
    private readonly int[] _tokens;
    private readonly int[]? _tasks;

    public WindowSample(Vocabulary vocabulary, int contextLength, int[] tokens, int[]? tasks = null)
    {
        if (contextLength < 2) throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "contextLength must be at least 2.");
        if (tokens.Length == 0 || tokens.Length % contextLength != 0)
            throw new ArgumentException($"tokens has {tokens.Length} entries, not a positive multiple of C = {contextLength}.", nameof(tokens));
        if (tasks is not null && tasks.Length != tokens.Length)
            throw new ArgumentException("tasks must have one entry per token.", nameof(tasks));
        foreach (int t in tokens)
            if (t < 0 || t >= vocabulary.Count) throw new ArgumentException($"token id {t} is not in [0, {vocabulary.Count}).", nameof(tokens));
        Vocabulary = vocabulary;
        ContextLength = contextLength;
        _tokens = tokens;
        _tasks = tasks;
    }

    public Vocabulary Vocabulary { get; }

    /// <summary>C.</summary>
    public int ContextLength { get; }

    /// <summary>n, the number of windows.</summary>
    public int Count => _tokens.Length / ContextLength;

    /// <summary>Number of input/output pairs, n (C − 1).</summary>
    public int PairCount => Count * (ContextLength - 1);

    public ReadOnlySpan<int> Window(int i) => _tokens.AsSpan(i * ContextLength, ContextLength);

    /// <summary>The task of each token of window i; null when the sample was read from text.</summary>
    public ReadOnlySpan<int> TasksOf(int i) =>
        _tasks is null ? throw new InvalidOperationException("This sample carries no task labels.") : _tasks.AsSpan(i * ContextLength, ContextLength);

    public bool HasTasks => _tasks is not null;

    /// <summary>Windows [first, first + count) as an int64 tensor [count, C] on <paramref name="device"/>.</summary>
    public Tensor ToTensor(int first = 0, int? count = null, Device? device = null)
    {
        int n = count ?? Count - first;
        if (first < 0 || n < 1 || first + n > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"windows [{first}, {first + n}) are not within [0, {Count}).");
        var data = new long[n * ContextLength];
        for (int i = 0; i < data.Length; i++) data[i] = _tokens[first * ContextLength + i];
        return tensor(data, [n, ContextLength], dtype: ScalarType.Int64, device: device);
    }

    /// <summary>The windows with the given indices as an int64 tensor [indices.Length, C].</summary>
    public Tensor ToTensor(ReadOnlySpan<int> indices, Device? device = null)
    {
        var data = new long[indices.Length * ContextLength];
        for (int j = 0; j < indices.Length; j++)
            for (int i = 0; i < ContextLength; i++) data[j * ContextLength + i] = _tokens[indices[j] * ContextLength + i];
        return tensor(data, [indices.Length, ContextLength], dtype: ScalarType.Int64, device: device);
    }

    /// <summary>D^l: the inputs t_1..t_l ([n, l]) and outputs t_{l+1} ([n]) of every window, 1 ≤ l ≤ C − 1.</summary>
    public (int[,] Inputs, int[] Outputs) PairsOfLength(int length)
    {
        if (length < 1 || length > ContextLength - 1)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"length must be in [1, {ContextLength - 1}].");
        var inputs = new int[Count, length];
        var outputs = new int[Count];
        for (int w = 0; w < Count; w++)
        {
            for (int i = 0; i < length; i++) inputs[w, i] = _tokens[w * ContextLength + i];
            outputs[w] = _tokens[w * ContextLength + length];
        }
        return (inputs, outputs);
    }

    /// <summary>The first windows as a new sample.</summary>
    public WindowSample Take(int count)
    {
        if (count < 1 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be in [1, {Count}].");
        return new WindowSample(Vocabulary, ContextLength, _tokens[..(count * ContextLength)], _tasks?[..(count * ContextLength)]);
    }

    /// <summary>The first <paramref name="count"/> windows as a table: index, task of the first token, family, words.</summary>
    public Microsoft.Data.Analysis.DataFrame ToDataFrame(int count = 10)
    {
        int n = Math.Min(count, Count);
        var rows = Enumerable.Range(0, n).ToArray();
        var columns = new List<Microsoft.Data.Analysis.DataFrameColumn> { new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<int>("window", rows) };
        if (_tasks is not null) columns.Add(new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<int>("task", rows.Select(i => TasksOf(i)[0])));
        columns.Add(new Microsoft.Data.Analysis.StringDataFrameColumn("tokens", rows.Select(i => Vocabulary.Decode(Window(i)))));
        return new Microsoft.Data.Analysis.DataFrame(columns);
    }

    /// <summary>The C − 1 input/output pairs of window i, one row per input length: l, t_1..t_l, t_{l+1}.</summary>
    public Microsoft.Data.Analysis.DataFrame PairsDataFrame(int index)
    {
        var w = Window(index).ToArray();
        var lengths = Enumerable.Range(1, ContextLength - 1).ToArray();
        return new Microsoft.Data.Analysis.DataFrame(
            new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<int>("l", lengths),
            new Microsoft.Data.Analysis.StringDataFrameColumn("input t_1..t_l", lengths.Select(l => Vocabulary.Decode(w.AsSpan(0, l)))),
            new Microsoft.Data.Analysis.StringDataFrameColumn("output t_{l+1}", lengths.Select(l => Vocabulary.Tokens[w[l]])));
    }

    /// <summary>One window per line, words separated by single spaces, '\n' line ends (byte-stable).</summary>
    public string ToText()
    {
        var sb = new System.Text.StringBuilder();
        for (int w = 0; w < Count; w++) sb.Append(Vocabulary.Decode(Window(w))).Append('\n');
        return sb.ToString();
    }

    /// <summary>Reads <see cref="ToText"/>'s format; every line must have exactly C known words.</summary>
    public static WindowSample FromText(string text, Vocabulary vocabulary, int contextLength, string source = "corpus")
    {
        var tokens = new List<int>();
        int lineNo = 0;
        foreach (string line in text.Split('\n'))
        {
            lineNo++;
            if (line.Length == 0) continue;
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length != contextLength)
                throw new InvalidDataException($"{source} line {lineNo} has {words.Length} tokens; expected C = {contextLength}.");
            foreach (string w in words)
            {
                try { tokens.Add(vocabulary.Id(w)); }
                catch (ArgumentException) { throw new InvalidDataException($"{source} line {lineNo}: '{w}' is not in the vocabulary."); }
            }
        }
        if (tokens.Count == 0) throw new InvalidDataException($"{source} holds no windows.");
        return new WindowSample(vocabulary, contextLength, tokens.ToArray());
    }
}
