namespace Slt.Truth;

/// <summary>
/// One task (a "context", a sub-distribution of the corpus): a Markov chain on tokens,
/// P_k(t' | t) = R(role(t') | role(t)) · u_k(t'), where R is the shared role grammar and u_k(t') is the task's
/// preference for t' among the words of that role (zero outside its family, shared for connectives).
/// </summary>
/// <param name="Index">k, the task's rank in the Zipf prior (0 = most frequent).</param>
/// <param name="Family">Index of the family whose words the task uses.</param>
/// <param name="Prior">π_k, the task's prior probability.</param>
/// <param name="Emission">u_k(t) for every token id t; sums to 1 over each role's tokens of the family.</param>
public sealed record MarkovTask(int Index, int Family, double Prior, IReadOnlyList<double> Emission);
