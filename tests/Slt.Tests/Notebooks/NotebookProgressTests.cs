using Slt.Sampling;
using Slt.Training;
using Slt.Workbook;

namespace Slt.Tests.Notebooks;

/// <summary><see cref="NotebookProgress"/>: in a kernel a throttled line that moves, headlessly only the final line.</summary>
public sealed class NotebookProgressTests
{
    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Ticks;
        public void Advance(TimeSpan t) => Ticks += t.Ticks;
    }

    /// <summary>Reports every millisecond for <paramref name="steps"/> steps, as a sampler would.</summary>
    private static (List<ProgressLine> Shown, ManualClock Clock) Sample(bool live, int steps, int runs = 1)
    {
        var clock = new ManualClock();
        var shown = new List<ProgressLine>();
        IProgress<SamplingProgress> progress = new NotebookProgress("SGLD", shown.Add, live, clock);
        for (int run = 0; run < runs; run++)
            for (int i = 1; i <= steps; i++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(1));
                progress.Report(new SamplingProgress(i, steps, i <= steps / 4 ? "burn-in" : "sampling"));
            }
        return (shown, clock);
    }

    [Fact]
    public void HeadlessShowsOnlyTheFinalLine()
    {
        var (shown, _) = Sample(live: false, steps: 20_000);
        var line = Assert.Single(shown);
        Assert.True(line.Finished);
        Assert.Equal(20_000, line.StepsFinished);
        Assert.Equal("SGLD: done, 20\u2009000 chain-steps in 20.0 s", line.ToString());
        Assert.DoesNotContain("<progress", line.ToHtml());
    }

    /// <summary>20 s of reports every millisecond: one line at the start, then at most one per update interval, and the end.</summary>
    [Fact]
    public void LiveUpdatesAreThrottledAndEndWithTheFinalLine()
    {
        var (shown, _) = Sample(live: true, steps: 20_000);
        int bound = 1 + (int)(TimeSpan.FromSeconds(20) / NotebookProgress.UpdateInterval) + 1;
        Assert.InRange(shown.Count, bound - 2, bound);
        Assert.Equal("SGLD — burn-in: 1 of 20\u2009000 chain-steps (0%), 0.0 s", shown[0].ToString());
        Assert.All(shown.Zip(shown.Skip(1)), pair => Assert.True(pair.Second.Elapsed - pair.First.Elapsed >= NotebookProgress.UpdateInterval || pair.Second.Finished));
        Assert.Contains(shown, l => l.Stage == "sampling" && !l.Finished && l.ToHtml().Contains("<progress value=\""));
        Assert.True(shown[^1].Finished);
        Assert.Equal(shown.Where(l => !l.Finished).Select(l => l.Done).Order(), shown.Where(l => !l.Finished).Select(l => l.Done));
    }

    /// <summary>A sweep samples several times with one progress: each run ends with a line that counts the runs and their steps.</summary>
    [Fact]
    public void SeveralRunsAreCountedInTheFinalLine()
    {
        var (shown, _) = Sample(live: false, steps: 1000, runs: 3);
        Assert.Equal(3, shown.Count);
        Assert.Equal([1, 2, 3], shown.Select(l => l.Run));
        Assert.Equal("SGLD: done, 3 runs, 3\u2009000 chain-steps in 3.0 s", shown[^1].ToString());
    }

    [Fact]
    public void TrainingReportsItsStepsAndAnEmptyLabelIsRefused()
    {
        var clock = new ManualClock();
        var shown = new List<ProgressLine>();
        IProgress<TrainingProgress> progress = new NotebookProgress("training", shown.Add, live: false, clock);
        for (int step = 1; step <= 1500; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(40));
            progress.Report(new TrainingProgress(step, 1500, 2.0, 1e-3, TimeSpan.Zero));
        }
        Assert.Equal("training: done, 1\u2009500 steps in 60.0 s", Assert.Single(shown).ToString());
        var error = Assert.Throws<ArgumentException>(() => new NotebookProgress(" ", _ => { }, live: true));
        Assert.Equal("label", error.ParamName);
    }

    /// <summary>Outside a kernel (this test process) the final line goes to standard output.</summary>
    [Fact]
    public void OutsideAKernelTheFinalLineIsPrinted()
    {
        var previous = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            IProgress<SamplingProgress> progress = Notebook.Progress("SGLD");
            for (int i = 1; i <= 300; i++) progress.Report(new SamplingProgress(i, 300, "sampling"));
        }
        finally { Console.SetOut(previous); }
        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("SGLD: done, 300 chain-steps in ", Assert.Single(lines));
    }
}
