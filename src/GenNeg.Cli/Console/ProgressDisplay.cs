using System.Diagnostics;
using GenNeg.Guidance;
using GenNeg.Reporting.TensorBoard;
using GenNeg.Sampling;
using GenNeg.Training;
using GenNeg.Workflows;
using Spectre.Console;

namespace GenNeg.Cli.Console;

/// <summary>
/// Shows a workflow's phases: live bars (Spectre.Console) on an interactive terminal, otherwise a plain line per
/// phase every 10 %. It writes to stderr so that stdout stays clean for --json output.
/// </summary>
internal sealed class ProgressDisplay(TextWriter error, bool interactive, Configuration.ConfigSchema schema)
{
    public T Show<T>(Func<IWorkflowProgress, T> work)
    {
        if (!interactive) return work(new Phases((title, describe) => new LineProgress(error, title, describe)));

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                     new DurationColumn(task => task.ElapsedTime), new DurationColumn(task => task.RemainingTime), new SpinnerColumn())
            .Start(context => work(new Phases((title, describe) => new BarProgress(context.AddTask(Markup.Escape(title), maxValue: 1), title))));
    }

    /// <summary>As <see cref="Show{T}(Func{IWorkflowProgress, T})"/>, also logging the phases to the run's TensorBoard folder.</summary>
    public T Show<T>(string runPath, Func<IWorkflowProgress, T> work) => Show(progress => work(TensorBoardProgress.Around(progress, runPath, schema)));

    /// <summary>m:ss, or h:mm:ss once it reaches an hour (hours keep counting past a day: a long job's ETA must not wrap).</summary>
    internal static string Duration(TimeSpan? time)
    {
        if (time is not { } t) return "-:--";
        if (t < TimeSpan.Zero || t.TotalDays > 99_999) return "--:--";
        return t.TotalHours >= 1 ? $"{(long)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes:00}:{t.Seconds:00}";
    }

    /// <summary>Elapsed or remaining time of a bar, with hours (Spectre's own columns drop days).</summary>
    private sealed class DurationColumn(Func<ProgressTask, TimeSpan?> read) : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(Duration(read(task)), new Style(Color.Grey));
    }

    private static string Describe(TrainingProgress p) =>
        $"step {p.Step:N0}/{p.TotalSteps:N0}  loss {(double.IsNaN(p.Loss) ? "..." : p.Loss.ToString("G4"))}  {p.StepsPerSecond:F0} it/s";

    private static string Describe(SamplingProgress p) => $"{p.Done:N0}/{p.Total:N0} samples";

    private static string Describe(DrawProgress p) =>
        $"drawn {p.Drawn:N0}: {p.Positives:N0} valid, {p.Negatives:N0} invalid (need {p.PerClass:N0} each)";

    /// <summary>A phase's state as (done, total, text).</summary>
    private readonly record struct Status(double Done, double Total, string Text);

    private interface IStatusSink
    {
        void Update(Status status);
    }

    /// <summary>Turns each phase's typed progress into a status for one display row.</summary>
    private sealed class Phases(Func<string, Func<Status, string>, IStatusSink> open) : IWorkflowProgress
    {
        public IProgress<TrainingProgress> Training(string phase) => Sink<TrainingProgress>(phase, p => new Status(p.Step, p.TotalSteps, Describe(p)));

        public IProgress<SamplingProgress> Sampling(string phase) => Sink<SamplingProgress>(phase, p => new Status(p.Done, p.Total, Describe(p)));

        // Drawing ends when the rarer class reaches N or the draw budget runs out, whichever comes first.
        public IProgress<DrawProgress> Drawing(string phase) =>
            Sink<DrawProgress>(phase, p => new Status(Math.Max((double)Math.Min(p.Positives, p.Negatives) / p.PerClass, (double)p.Drawn / p.MaxDraws), 1, Describe(p)));

        private Callback<T> Sink<T>(string phase, Func<T, Status> status)
        {
            var sink = open(phase, s => s.Text);
            return new Callback<T>(value => sink.Update(status(value)));
        }
    }

    /// <summary>Reports synchronously on the worker's thread (System.Progress would post to the thread pool).</summary>
    private sealed class Callback<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private sealed class BarProgress(ProgressTask task, string title) : IStatusSink
    {
        public void Update(Status status)
        {
            task.MaxValue = status.Total > 0 ? status.Total : 1;
            task.Value = Math.Min(status.Done, task.MaxValue);
            task.Description = Markup.Escape($"{title}  {status.Text}");
        }
    }

    private sealed class LineProgress(TextWriter error, string title, Func<Status, string> describe) : IStatusSink
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private int lastTenth = -1;

        public void Update(Status status)
        {
            var fraction = Math.Clamp(status.Total > 0 ? status.Done / status.Total : 0, 0, 1);
            var tenth = (int)(10 * fraction);
            if (tenth == lastTenth) return;
            lastTenth = tenth;
            var eta = fraction > 0 ? TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds * (1 - fraction) / fraction) : TimeSpan.Zero;
            error.WriteLine($"{title}: {describe(status)}  elapsed {Duration(clock.Elapsed)}  eta {Duration(eta)}");
        }
    }
}
