#!/usr/bin/env bash
# Restores and builds every project of the solution for other desktop runtimes (default: osx-arm64 win-x64), without running
# anything: proof that the project files, package graph (TorchSharp-cpu → libtorch-cpu-<rid>) and code are not tied to
# the machine CI runs on. The build happens in a scratch copy of the working tree (tracked and untracked, not ignored
# files), so it never touches this tree's bin/, obj/ or bin/workbook/. Prints the seconds each runtime took.
# The runtime is chosen with -p:SltRuntime=RID (Directory.Build.props): the SDK refuses `dotnet build Workbook.sln -r RID`
# (NETSDK1134), and -r on one project does not reach its references consistently.
#   usage: scripts/cross-build.sh [RID ...]
set -uo pipefail
cd "$(dirname "$0")/.."
rids=("$@"); [ ${#rids[@]} -gt 0 ] || rids=(osx-arm64 win-x64)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/slt-cross-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$scratch"
status=0
for rid in "${rids[@]}"; do
  start=$SECONDS
  echo "dotnet build Workbook.sln -c Debug -p:SltRuntime=$rid"
  if dotnet build "$scratch/Workbook.sln" -c Debug "-p:SltRuntime=$rid" -nologo -v quiet "-clp:ErrorsOnly;NoSummary"; then
    echo "cross-build $rid: restored and built in $((SECONDS - start)) s"
    # The natives of that runtime came with it (flat in the CLI's output): the package graph resolved for $rid.
    ls "$scratch/lib/Slt.Cli/bin/Debug/net10.0/$rid/" | grep -E '^(lib)?torch_cpu\.(dll|dylib)$|^(lib)?LibTorchSharp\.(dll|dylib)$' \
      | sed "s/^/cross-build $rid: native /"
  else
    echo "cross-build $rid: FAILED after $((SECONDS - start)) s"
    status=1
  fi
done
exit $status
