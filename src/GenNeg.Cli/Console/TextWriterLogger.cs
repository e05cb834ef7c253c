using System.Text;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli.Console;

/// <summary>
/// Logs one line per message to a TextWriter (stderr) or appends it to a run's log.txt. The stock console logger
/// cannot target a writer, and the CLI needs that for log files and for tests. A log file that cannot be written
/// (read-only folder, full disk) never fails the command: the first failure is reported once on stderr, naming the
/// file, and the file is left alone from then on.
/// </summary>
internal sealed class TextWriterLoggerProvider : ILoggerProvider
{
    private readonly Lock gate = new();
    private readonly ILogSink sink;
    private readonly LogLevel minimum;
    private readonly bool detailed;

    private TextWriterLoggerProvider(ILogSink sink, LogLevel minimum, bool detailed)
    {
        this.sink = sink;
        this.minimum = minimum;
        this.detailed = detailed;
    }

    /// <summary>Short lines to a writer the caller owns (stderr).</summary>
    public static TextWriterLoggerProvider ForConsole(TextWriter error, LogLevel minimum) => new(new WriterSink(error), minimum, false);

    /// <summary>Timestamped lines, with exception details, appended to a file once its folder exists; problems go to <paramref name="error"/>.</summary>
    public static TextWriterLoggerProvider ForFile(string path, TextWriter error) => new(new FileSink(path, error), LogLevel.Debug, true);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => sink.Dispose();

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var prefix = level switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            _ => "",
        };
        var header = detailed ? $"{DateTime.Now:yyyy-MM-dd HH:mm:ss} {category[(category.LastIndexOf('.') + 1)..]}: " : "";
        var text = new StringBuilder().Append(header).Append(prefix).Append(message).Append('\n');
        if (exception is not null && detailed) text.Append(exception).Append('\n');
        lock (gate) sink.Write(text.ToString());
    }

    private interface ILogSink : IDisposable
    {
        void Write(string lines);
    }

    private sealed class WriterSink(TextWriter writer) : ILogSink
    {
        public void Write(string lines)
        {
            writer.Write(lines);
            writer.Flush();
        }

        public void Dispose() => writer.Flush();
    }

    /// <summary>
    /// Appends each message with one write to a file opened for appending, so lines from a writer and a reader
    /// logging to the same run never interleave mid-line; a write that fails part-way is cut back off.
    /// </summary>
    private sealed class FileSink(string path, TextWriter error) : ILogSink
    {
        private FileStream? file;
        private bool failed;

        public void Write(string lines)
        {
            if (failed) return;
            long? before = null;
            try
            {
                if (file is null)
                {
                    if (!Directory.Exists(Path.GetDirectoryName(path))) return;
                    file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                }
                // Another process (a reader such as sample) may have appended since: write after its lines, not over them.
                before = file.Seek(0, SeekOrigin.End);
                file.Write(Encoding.UTF8.GetBytes(lines));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                failed = true;
                CutBack(before);
                error.WriteLine($"warning: cannot write to log file '{path}' ({e.Message}); the command goes on without it");
            }
        }

        private void CutBack(long? length)
        {
            try
            {
                if (length is { } whole && file is not null && file.Length > whole) file.SetLength(whole);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                // Nothing more can be done for a file that cannot be written.
            }
        }

        public void Dispose()
        {
            try
            {
                file?.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Unbuffered: nothing is left to flush.
            }
        }
    }

    private sealed class Logger(TextWriterLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) provider.Write(logLevel, category, formatter(state, exception), exception);
        }
    }
}
