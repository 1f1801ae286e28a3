using Slt.Platform;

namespace Slt.Tests.Platform;

/// <summary>The two-byte ELF fix: idempotent, exact, and harmless to files that do not need it.</summary>
public sealed class LibStdCxxCompatibilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("slt-elf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A copy of TorchSharp's native library with the requirement made strong again (as shipped).</summary>
    private string UnfixedCopy()
    {
        string source = LibStdCxxCompatibility.CandidateLocations().First(File.Exists);
        string copy = Path.Combine(_dir, "libLibTorchSharp.so");
        byte[] bytes = File.ReadAllBytes(source);
        var need = ElfVersionNeeds.Read(bytes).Single(n => n.Version == LibStdCxxCompatibility.MissingVersion);
        bytes[need.FlagsOffset] &= unchecked((byte)~ElfVersionNeed.WeakFlag);
        File.WriteAllBytes(copy, bytes);
        return copy;
    }

    [Fact]
    public void ShippedLibraryNeedsTheMissingVersionFromLibStdCxx()
    {
        var needs = ElfVersionNeeds.Read(File.ReadAllBytes(UnfixedCopy()));
        var need = Assert.Single(needs, n => n.Version == LibStdCxxCompatibility.MissingVersion);
        Assert.Equal("libstdc++.so.6", need.Library);
        Assert.False(need.IsWeak);
        Assert.Contains(needs, n => n.Version.StartsWith("GLIBC_", StringComparison.Ordinal));
    }

    [Fact]
    public void FixChangesOnlyTheFlagsFieldAndMakesTheRequirementWeak()
    {
        string path = UnfixedCopy();
        byte[] before = File.ReadAllBytes(path);
        var result = LibStdCxxCompatibility.Apply(path);
        byte[] after = File.ReadAllBytes(path);

        Assert.Equal(CompatibilityAction.Fixed, result.Action);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        long offset = ElfVersionNeeds.Read(before).Single(n => n.Version == LibStdCxxCompatibility.MissingVersion).FlagsOffset;
        Assert.All(changed, i => Assert.InRange(i, offset, offset + 1));
        Assert.NotEmpty(changed);
        Assert.True(ElfVersionNeeds.Read(after).Single(n => n.Version == LibStdCxxCompatibility.MissingVersion).IsWeak);
    }

    [Fact]
    public void FixIsIdempotentAndLeavesAFixedFileByteIdentical()
    {
        string path = UnfixedCopy();
        Assert.Equal(CompatibilityAction.Fixed, LibStdCxxCompatibility.Apply(path).Action);
        byte[] once = File.ReadAllBytes(path);
        Assert.Equal(CompatibilityAction.AlreadyFixed, LibStdCxxCompatibility.Apply(path).Action);
        Assert.Equal(once, File.ReadAllBytes(path));
    }

    [Fact]
    public void UnaffectedElfFileIsLeftByteIdentical()
    {
        string path = Path.Combine(_dir, "libstdc++.so.6");
        File.Copy(LibStdCxxCompatibility.FindSystemLibStdCxx()!, path);
        byte[] before = File.ReadAllBytes(path);
        Assert.Equal(CompatibilityAction.Unaffected, LibStdCxxCompatibility.Apply(path).Action);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void NonElfFileIsLeftByteIdentical()
    {
        string path = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(path, "not an ELF file");
        Assert.Equal(CompatibilityAction.Unaffected, LibStdCxxCompatibility.Apply(path).Action);
        Assert.Equal("not an ELF file", File.ReadAllText(path));
    }

    [Fact]
    public void TruncatedElfIsReportedAsFailedWithoutWriting()
    {
        byte[] head = File.ReadAllBytes(UnfixedCopy())[..4096];
        string path = Path.Combine(_dir, "truncated.so");
        File.WriteAllBytes(path, head);
        var result = LibStdCxxCompatibility.Apply(path);
        Assert.Equal(CompatibilityAction.Failed, result.Action);
        Assert.Contains("outside", result.Error);
        Assert.Equal(head, File.ReadAllBytes(path));
    }

    [Fact]
    public void SystemLibStdCxxVersionDefinitionsAreRead()
    {
        string system = LibStdCxxCompatibility.FindSystemLibStdCxx()!;
        var defined = ElfVersionNeeds.ReadDefinitions(File.ReadAllBytes(system));
        Assert.Contains("GLIBCXX_3.4", defined);
        Assert.Contains("GLIBCXX_3.4.30", defined);
    }

    [Fact]
    public void StartupReportShowsTheFixInPlaceForEveryCopyFound()
    {
        var report = LibStdCxxCompatibility.EnsureTorchSharpLoadable();
        Assert.True(report.InPlace);
        if (report.Needed)
            Assert.All(report.Files, f => Assert.Equal(CompatibilityAction.AlreadyFixed, LibStdCxxCompatibility.Inspect(f.Path)));
    }

    /// <summary>The survey that <c>slt doctor</c> (without --fix) shows writes nothing: an unfixed copy is reported
    /// pending and stays byte-identical; the fix (<see cref="LibStdCxxCompatibility.Run"/>) then writes it, once.</summary>
    [Fact]
    public void SurveyReportsPendingWithoutWritingAndRunFixesOnce()
    {
        if (!LibStdCxxCompatibility.Survey([]).Needed) return; // this system's libstdc++ defines the version: nothing to fix
        string path = UnfixedCopy();
        byte[] before = File.ReadAllBytes(path);
        var survey = LibStdCxxCompatibility.Survey([path]);
        Assert.Equal(CompatibilityAction.Pending, Assert.Single(survey.Files).Action);
        Assert.False(survey.InPlace);
        Assert.Empty(survey.FixedNow);
        Assert.Equal(before, File.ReadAllBytes(path));
        var run = LibStdCxxCompatibility.Run([path]);
        Assert.Equal(CompatibilityAction.Fixed, Assert.Single(run.FixedNow).Action);
        Assert.True(run.InPlace);
        Assert.Equal(CompatibilityAction.AlreadyFixed, Assert.Single(LibStdCxxCompatibility.Run([path]).Files).Action);
        Assert.Equal(CompatibilityAction.AlreadyFixed, Assert.Single(LibStdCxxCompatibility.Survey([path]).Files).Action);
    }
}
