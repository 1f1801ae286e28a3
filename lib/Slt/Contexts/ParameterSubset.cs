using Slt.Model;

namespace Slt.Contexts;

/// <summary>
/// A named set of a transformer's parameter tensors: the coordinates a fitted context map may move (the rest of w is
/// held at the mother's values). Written as a comma-separated list of items; an item is an alias, an exact parameter
/// name (<see cref="Transformer"/> lists them) or a dotted prefix of names (<c>blocks.1.attention</c> = every head of
/// layer 1's attention).
/// </summary>
/// <remarks>
/// Aliases: <c>full</c> (every parameter), <c>last-mlp</c> (<c>blocks.{L−1}.mlp</c>), <c>last-attention</c>,
/// <c>mlp-{i}</c>, <c>attention-{i}</c>, <c>block-{i}</c>, <c>unembedding</c>, <c>embedding</c> (token and position),
/// <c>final-norm</c>. An item that names no parameter of the model is an error that lists the model's names.
/// </remarks>
/// <param name="Spec">The list as written, e.g. <c>last-mlp</c> or <c>unembedding,final-norm</c>.</param>
public sealed record ParameterSubset(string Spec)
{
    /// <summary>Every parameter.</summary>
    public static ParameterSubset Full { get; } = new("full");

    /// <summary>The last block's MLP (both linear layers, weights and biases).</summary>
    public static ParameterSubset LastMlp { get; } = new("last-mlp");

    /// <summary>The aliases understood, for messages and help texts.</summary>
    public static IReadOnlyList<string> Aliases { get; } =
        ["full", "last-mlp", "last-attention", "mlp-{i}", "attention-{i}", "block-{i}", "unembedding", "embedding", "final-norm"];

    /// <summary>A label for tables: the spec.</summary>
    public override string ToString() => Spec;

    /// <summary>The names of the parameters in the subset, in the model's order.</summary>
    /// <exception cref="ArgumentException">The spec is empty, or an item names no parameter of the model.</exception>
    public IReadOnlyList<string> Resolve(Transformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrWhiteSpace(Spec)) throw new ArgumentException("The parameter subset is empty; name an alias or parameters.", nameof(Spec));
        var names = model.named_parameters().Select(p => p.name).ToArray();
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string raw in Spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var prefixes = Expand(raw, model.Config);
            var matched = names.Where(n => prefixes.Any(p => p.Length == 0 || n == p || n.StartsWith(p + ".", StringComparison.Ordinal))).ToArray();
            if (matched.Length == 0)
                throw new ArgumentException(
                    $"'{raw}' names no parameter of the model. Use an alias ({string.Join(", ", Aliases)}), a parameter name or a dotted prefix of one; the model's parameters are: {string.Join(", ", names)}.",
                    nameof(Spec));
            chosen.UnionWith(matched);
        }
        return names.Where(chosen.Contains).ToArray();
    }

    private static string[] Expand(string item, TransformerConfig config)
    {
        int last = config.Layers - 1;
        return item switch
        {
            "full" => [""],
            "last-mlp" => [$"blocks.{last}.mlp"],
            "last-attention" => [$"blocks.{last}.attention"],
            "unembedding" => ["unembedding"],
            "embedding" => ["token_embedding", "position_embedding"],
            "final-norm" => ["final_norm"],
            _ when Layer(item, "mlp-") is int i => [$"blocks.{i}.mlp"],
            _ when Layer(item, "attention-") is int i => [$"blocks.{i}.attention"],
            _ when Layer(item, "block-") is int i => [$"blocks.{i}"],
            _ => [item],
        };
    }

    private static int? Layer(string item, string prefix) =>
        item.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(item[prefix.Length..], out int i) && i >= 0 ? i : null;
}
