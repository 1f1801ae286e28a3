using Slt.Diagnostics;

namespace Slt.Cli;

/// <summary>The exit codes of the estimating verbs: 0 an estimate to use (Trustworthy or Use with care), 1 bad input
/// (<see cref="CliErrors"/>), 2 divergent (no number), 3 a number judged "Do not trust", 64 usage.</summary>
internal static class ExitCodes
{
    /// <summary>The exit code of an estimate with the verdict <paramref name="trust"/>; no number at all is divergent.</summary>
    public static int For(Trust trust, bool hasNumber) =>
        !hasNumber || trust == Trust.Divergent ? 2 : trust == Trust.Untrustworthy ? 3 : 0;
}
