using System.Globalization;
using System.Net;
using Slt.Sampling;
using Slt.Training;

namespace Slt.Workbook;

/// <summary>
/// One line of progress: a run's steps done of its total, or, once every run so far has finished, what they did.
/// A notebook kernel shows it as a bar and the line (<see cref="ToHtml"/>); a write-up as the line.
/// </summary>
/// <param name="Label">What runs (the name given to <see cref="Notebook.Progress"/>).</param>
/// <param name="Stage">The stage the work reports (<c>burn-in</c>, <c>sampling</c>, <c>training</c>).</param>
/// <param name="Done">Steps done in the current run (all of them once it finished).</param>
/// <param name="Total">Steps the current run takes.</param>
/// <param name="Unit">What a step is (<c>chain-steps</c>, <c>steps</c>).</param>
/// <param name="Run">The current run, from 1 (an estimator that samples several times reports several runs).</param>
/// <param name="Finished">True when the current run has finished.</param>
/// <param name="StepsFinished">Steps of all finished runs together.</param>
/// <param name="Elapsed">Time since the progress was created.</param>
public sealed record ProgressLine(string Label, string Stage, long Done, long Total, string Unit, int Run, bool Finished, long StepsFinished, TimeSpan Elapsed)
{
    /// <summary>The fraction of the current run done, in [0, 1].</summary>
    public double Fraction => Total <= 0 ? 0 : Math.Clamp((double)Done / Total, 0, 1);

    /// <summary>
    /// <c>SGLD: done, 3 520 chain-steps in 42.1 s</c> (finished; with <c>3 runs,</c> after several), else
    /// <c>SGLD — burn-in: 1 234 of 3 520 chain-steps (35%), 12.3 s</c>.
    /// </summary>
    public override string ToString()
    {
        string seconds = Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";
        if (Finished)
            return $"{Label}: done, {(Run > 1 ? $"{Run} runs, " : "")}{Count(StepsFinished)} {Unit} in {seconds}";
        string run = Run > 1 ? $"run {Run}, " : "";
        return $"{Label} — {run}{Stage}: {Count(Done)} of {Count(Total)} {Unit} ({Fraction.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal)}), {seconds}";
    }

    /// <summary>The line in HTML, with a progress bar while the run is not finished.</summary>
    public string ToHtml()
    {
        string bar = Finished ? "" : $"<progress value=\"{Done}\" max=\"{Math.Max(Total, 1)}\" style=\"vertical-align:middle;margin-right:0.6em\"></progress>";
        return $"<div class=\"slt-progress\">{bar}<span>{WebUtility.HtmlEncode(ToString())}</span></div>";
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture).Replace(",", "\u2009", StringComparison.Ordinal);
}

/// <summary>
/// Progress of a long cell (SGLD, training), shown in place: pass it as the <c>progress</c> argument of an estimator
/// or of training. It is an <see cref="IProgress{T}"/> of <see cref="SamplingProgress"/> and of <see cref="TrainingProgress"/>.
/// <list type="bullet">
/// <item>In a notebook kernel (VS Code, <c>dotnet repl</c>) one display in the cell's output is updated in place, at most
/// every <see cref="UpdateInterval"/>, and at the end of each run.</item>
/// <item>Headlessly (<c>slt reproduce</c>, which sets <see cref="HeadlessSwitch"/>) nothing is shown while the work runs;
/// when a run finishes the display shows the final line (<c>SGLD: done, 3 520 chain-steps in 42.1 s</c>), so the
/// write-up holds one line, not a stream of updates.</item>
/// <item>Outside any kernel (a console program) the final line of each run is written to standard output.</item>
/// </list>
/// A run has finished when a report says its last step is done; the next report starts another run (a sweep samples
/// several times with one progress).
/// </summary>
public sealed class NotebookProgress : IProgress<SamplingProgress>, IProgress<TrainingProgress>, IProgress<(int Done, int Total)>
{
    /// <summary>The <see cref="AppContext"/> switch a headless host (the in-process runner) sets to true while it runs notebooks.</summary>
    public const string HeadlessSwitch = "Slt.Workbook.Headless";

    /// <summary>The shortest time between two in-place updates in a kernel.</summary>
    public static readonly TimeSpan UpdateInterval = TimeSpan.FromMilliseconds(500);

    private readonly object _gate = new();
    private readonly string _label;
    private readonly Action<ProgressLine> _show;
    private readonly bool _live;
    private readonly TimeProvider _time;
    private readonly long _started;
    private long _lastShown = long.MinValue;
    private int _run = 1;
    private bool _runFinished;
    private long _stepsFinished;

    /// <summary>A progress that passes the lines to show to <paramref name="show"/>, each replacing the one before.</summary>
    /// <param name="label">What runs, e.g. <c>SGLD</c> or <c>training</c>.</param>
    /// <param name="show">Shows a line in place of the previous one.</param>
    /// <param name="live">True: show the run as it goes (throttled to <see cref="UpdateInterval"/>) and at its end;
    /// false: show only the final line of each run.</param>
    /// <param name="time">The clock (a test's); default the system's.</param>
    /// <exception cref="ArgumentException"><paramref name="label"/> is empty.</exception>
    public NotebookProgress(string label, Action<ProgressLine> show, bool live, TimeProvider? time = null)
    {
        if (string.IsNullOrWhiteSpace(label)) throw new ArgumentException("label must name the work, e.g. \"SGLD\".", nameof(label));
        _label = label;
        _show = show ?? throw new ArgumentNullException(nameof(show));
        _live = live;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
    }

    /// <summary>True when the host runs notebooks headlessly (<see cref="HeadlessSwitch"/>).</summary>
    public static bool IsHeadless => AppContext.GetData(HeadlessSwitch) is true;

    /// <summary>The last line shown, if any.</summary>
    public ProgressLine? Last { get; private set; }

    /// <inheritdoc/>
    public void Report(SamplingProgress value) => Advance(value.Stage, value.Step, value.TotalSteps, "chain-steps");

    /// <inheritdoc/>
    public void Report(TrainingProgress value) => Advance("training", value.Step, value.Steps, "steps");

    /// <summary>Counted work that is neither sampling nor training (for example Hessian-vector products).</summary>
    public void Report((int Done, int Total) value) => Advance(_label, value.Done, value.Total, "steps");

    private void Advance(string stage, long done, long total, string unit)
    {
        lock (_gate)
        {
            if (_runFinished) { _run++; _runFinished = false; }
            bool finished = total > 0 && done >= total;
            long now = _time.GetTimestamp();
            if (finished)
            {
                _runFinished = true;
                _stepsFinished += done;
            }
            else if (!_live || (_lastShown != long.MinValue && _time.GetElapsedTime(_lastShown, now) < UpdateInterval))
            {
                return;
            }
            _lastShown = now;
            Last = new ProgressLine(_label, stage, done, total, unit, _run, finished, _stepsFinished, _time.GetElapsedTime(_started, now));
            _show(Last);
        }
    }
}
