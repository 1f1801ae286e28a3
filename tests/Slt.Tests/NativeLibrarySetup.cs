using System.Runtime.CompilerServices;
using Slt.Platform;

namespace Slt.Tests;

/// <summary>
/// The test host touches torch from many classes, not all through <see cref="TorchRuntime.Initialize"/>: before any
/// of them runs, apply the Linux libstdc++ fix the way a first <c>slt</c> run does (announced on standard error when it
/// writes; a no-op elsewhere), so the tests pass from a clean clone without a manual step.
/// </summary>
internal static class NativeLibrarySetup
{
#pragma warning disable CA2255 // A test assembly's module initializer: the only hook that precedes every test class.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Prepare() => TorchRuntime.PrepareNativeLibrary();
}
