using System.Diagnostics;
using GenNeg.Sampling;
using GenNeg.Training;
using Spectre.Console;

namespace GenNeg.Cli.Console;

/// <summary>
/// Shows long work: a live bar (Spectre.Console) on an interactive terminal, otherwise a plain line every 10 %.
/// It writes to stderr so that stdout stays clean for --json output.
/// </summary>
internal sealed class ProgressDisplay(TextWriter error, bool interactive)
{
    public T Training<T>(string title, Func<IProgress<TrainingProgress>, T> work) =>
        Run(title, work, p => (p.Step, p.TotalSteps, $"step {p.Step}/{p.TotalSteps}  loss {p.Loss:G4}  {p.StepsPerSecond:F0} it/s"));

    public T Sampling<T>(string title, Func<IProgress<SamplingProgress>, T> work) =>
        Run(title, work, p => (p.Done, p.Total, $"{p.Done:N0}/{p.Total:N0} samples"));

    private T Run<T, TProgress>(string title, Func<IProgress<TProgress>, T> work, Func<TProgress, (long Done, long Total, string Text)> describe)
    {
        if (!interactive) return work(new LineProgress<TProgress>(error, title, describe));

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), autoStart: true, maxValue: 1);
                return work(new Callback<TProgress>(p =>
                {
                    var (done, total, text) = describe(p);
                    task.MaxValue = Math.Max(total, 1);
                    task.Value = done;
                    task.Description = Markup.Escape($"{title}  {text}");
                }));
            });
    }

    /// <summary>Reports synchronously on the worker's thread (System.Progress would post to the thread pool).</summary>
    private sealed class Callback<TProgress>(Action<TProgress> report) : IProgress<TProgress>
    {
        public void Report(TProgress value) => report(value);
    }

    private sealed class LineProgress<TProgress>(TextWriter error, string title, Func<TProgress, (long Done, long Total, string Text)> describe) : IProgress<TProgress>
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private int lastTenth = -1;

        public void Report(TProgress value)
        {
            var (done, total, text) = describe(value);
            var tenth = (int)(10 * done / Math.Max(total, 1));
            if (tenth == lastTenth) return;
            lastTenth = tenth;
            var eta = done > 0 ? TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds * (total - done) / done) : TimeSpan.Zero;
            error.WriteLine($"{title}: {text}  elapsed {clock.Elapsed:mm\\:ss}  eta {eta:mm\\:ss}");
        }
    }
}
