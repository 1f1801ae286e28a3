#!/usr/bin/env python3
"""Mutation check: break each estimator in a small, deliberate way and list the tests that notice.

Usage:  python3 scripts/mutation-check.py [--commit REV] [--only NAME] [--all]

For each mutation below, in a temporary git worktree of REV (default HEAD): replace one piece of library code, build the
test project, run the test classes named for that mutation (--all: every test outside Notebooks, Training and Model),
and record which tests fail. A mutation that no test catches is printed as NOT CAUGHT. The code of the repository you run
it from is never touched. Prints a Markdown table at the end; exits 1 if any mutation was not caught.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

# name: (what it breaks, file, old text, new text, test filter)
MUTATIONS = [
    ("drop-restriction (linear network)",
     "DeepLinearNetworkTarget.RestrictTo keeps every data point",
     "lib/Slt/GroundTruth/DeepLinearNetworkTarget.cs",
     "return new DeepLinearNetworkTarget(this, rows);",
     "return new DeepLinearNetworkTarget(this, TorchSharp.torch.arange(DataSize));",
     "FullyQualifiedName~DeepLinearLlcTests"),
    ("drop-restriction (input lengths)",
     "NextTokenTarget.Create keeps every input length",
     "lib/Slt/Sampling/NextTokenTarget.cs",
     "var kept = ValidateLengths(lengths, sample.ContextLength);",
     "ValidateLengths(lengths, sample.ContextLength); var kept = Enumerable.Range(1, sample.ContextLength - 1).ToArray();",
     "FullyQualifiedName~LengthRestrictedLlcTests|FullyQualifiedName~NextTokenTargetTests"),
    ("mini-batch gradient × 1.1",
     "the gradient of a mini-batch step is scaled by 1.1",
     "lib/Slt/Sampling/Sgld.cs",
     "g[i] = grads[i] is { IsInvalid: false } gi ? gi : zeros_like(p[i]);",
     "g[i] = grads[i] is { IsInvalid: false } gi ? (batch is null ? gi : gi * 1.1) : zeros_like(p[i]);",
     "FullyQualifiedName~SgldTests"),
    ("skip burn-in",
     "burn-in steps enter the estimate (the run starts recording at step 0)",
     "lib/Slt/Sampling/Sgld.cs",
     "var result = RunGroup(target, settings, sampled,",
     "var result = RunGroup(target, settings with { BurnIn = 0 }, sampled,",
     "FullyQualifiedName~PotentialLlcTests.SgldMatchesExactFiniteTemperatureValue|FullyQualifiedName~SeedAveragedCorrectionTests"),
    ("share one baseline across chains",
     "every chain's λ̂ uses the first chain's L_n(w*)",
     "lib/Slt/Sampling/Sgld.cs",
     "baseline[done + c] = result.Baseline[c];",
     "baseline[done + c] = done + c == 0 ? result.Baseline[c] : baseline[0];",
     "FullyQualifiedName~SeedAveragedCorrectionTests|FullyQualifiedName~DeepLinearNetworkTests"),
    ("nβ = batch size / log batch size",
     "the default nβ is taken from the mini-batch, as devinterp does",
     "lib/Slt/Sampling/SgldSettings.cs",
     "return n / Math.Log(n);",
     "return BatchSize is int b ? b / Math.Log(b) : n / Math.Log(n);",
     "FullyQualifiedName~SgldTests|FullyQualifiedName~LlcTransformerCommandTests|FullyQualifiedName~LengthRestrictedLlcTests"),
    ("checkpoint: key and value swapped",
     "the nanoGPT export writes c_attn as [W_Q; W_V; W_K]",
     "lib/Slt/Model/NanoGptLayout.cs",
     'new[] { "query", "key", "value" }',
     'new[] { "query", "value", "key" }',
     "FullyQualifiedName~PyTorchCheckpointTests|FullyQualifiedName~PyTorchRoundTripTests"),
    ("checkpoint: one head's output columns for all",
     "the nanoGPT import gives every head head 0's columns of c_proj",
     "lib/Slt/Model/NanoGptLayout.cs",
     'cProj.narrow(1, h * dh, dh).clone()',
     'cProj.narrow(1, 0, dh).clone()',
     "FullyQualifiedName~PyTorchCheckpointTests|FullyQualifiedName~PyTorchRoundTripTests"),
    ("checkpoint: query bias accepted",
     "the nanoGPT import drops a nonzero query bias instead of refusing it",
     "lib/Slt/Model/NanoGptLayout.cs",
     "RequireZero(qkvBias.narrow(0, 0, d),",
     "RequireZero(qkvBias.narrow(0, 0, 0),",
     "FullyQualifiedName~PyTorchCheckpointTests|FullyQualifiedName~PyTorchRoundTripTests"),
    ("checkpoint: attention scale 1/sqrt(d_h + 1)",
     "our attention's scale is off (a round trip within C# cannot see it; PyTorch's forward pass can)",
     "lib/Slt/Model/CausalSelfAttention.cs",
     "Scalars.Of(Math.Sqrt(_headDimension))",
     "Scalars.Of(Math.Sqrt(_headDimension + 1))",
     "FullyQualifiedName~PyTorchCheckpointTests|FullyQualifiedName~PyTorchRoundTripTests"),
]

BROAD = "FullyQualifiedName!~Notebooks&FullyQualifiedName!~Training&FullyQualifiedName!~Model"


def run(cmd, cwd, timeout=3600):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return p.returncode, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--commit", default="HEAD")
    ap.add_argument("--only", help="run only the mutations whose name contains this text")
    ap.add_argument("--all", action="store_true", help="run every test outside Notebooks, Training and Model for each mutation")
    args = ap.parse_args()
    repo = subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True).strip()
    tree = tempfile.mkdtemp(prefix="slt-mutation-")
    os.rmdir(tree)
    subprocess.check_call(["git", "worktree", "add", "--detach", tree, args.commit], cwd=repo, stdout=subprocess.DEVNULL)
    rows = []
    try:
        code, out = run(["dotnet", "build", "tests/Slt.Tests", "-c", "Debug"], tree)
        if code != 0:
            print(out[-3000:])
            sys.exit("the unmutated code does not build")
        for name, what, path, old, new, tests in MUTATIONS:
            if args.only and args.only not in name:
                continue
            file = os.path.join(tree, path)
            original = open(file, encoding="utf-8").read()
            if original.count(old) != 1:
                rows.append((name, what, "does not apply (the code it mutates has changed)"))
                continue
            open(file, "w", encoding="utf-8").write(original.replace(old, new))
            try:
                code, out = run(["dotnet", "build", "tests/Slt.Tests", "-c", "Debug"], tree)
                if code != 0:
                    rows.append((name, what, "does not compile"))
                    continue
                _, out = run(["dotnet", "test", "tests/Slt.Tests", "--no-build", "--filter", BROAD if args.all else tests], tree)
                failed = sorted(set(re.findall(r"^\s+Failed (Slt\.Tests\.[\w.]+)", out, re.M)))
                short = [f.split(".", 2)[2] for f in failed]
                rows.append((name, what, ", ".join(short) if short else "NOT CAUGHT"))
                print(f"{name}: {rows[-1][2]}", flush=True)
            finally:
                open(file, "w", encoding="utf-8").write(original)
    finally:
        subprocess.call(["git", "worktree", "remove", "--force", tree], cwd=repo)
        shutil.rmtree(tree, ignore_errors=True)
    print()
    print(f"Mutations of {args.commit} ({'all tests outside Notebooks, Training, Model' if args.all else 'the test classes named per mutation'}):")
    print()
    print("| mutation | what it breaks | tests that fail |")
    print("|---|---|---|")
    for name, what, caught in rows:
        print(f"| {name} | {what} | {caught} |")
    sys.exit(1 if any(r[2] == "NOT CAUGHT" for r in rows) else 0)


if __name__ == "__main__":
    main()
