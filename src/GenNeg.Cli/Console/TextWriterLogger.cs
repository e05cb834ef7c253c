using Microsoft.Extensions.Logging;

namespace GenNeg.Cli.Console;

/// <summary>
/// Logs one line per message to a TextWriter: stderr, or a run's log.txt. The stock console logger cannot
/// target a writer, and the CLI needs that for log files and for tests.
/// </summary>
internal sealed class TextWriterLoggerProvider : ILoggerProvider
{
    private readonly Lock gate = new();
    private readonly Func<TextWriter?> openWriter;
    private readonly bool ownsWriter;
    private readonly LogLevel minimum;
    private readonly bool detailed;
    private TextWriter? writer;

    private TextWriterLoggerProvider(Func<TextWriter?> openWriter, bool ownsWriter, LogLevel minimum, bool detailed)
    {
        this.openWriter = openWriter;
        this.ownsWriter = ownsWriter;
        this.minimum = minimum;
        this.detailed = detailed;
    }

    /// <summary>Short lines to a writer the caller owns (stderr).</summary>
    public static TextWriterLoggerProvider ForConsole(TextWriter error, LogLevel minimum) => new(() => error, false, minimum, false);

    /// <summary>Timestamped lines, with exception details, appended to a file opened once its folder exists.</summary>
    public static TextWriterLoggerProvider ForFile(string path) =>
        new(() => Directory.Exists(Path.GetDirectoryName(path)) ? new StreamWriter(path, append: true) : null, true, LogLevel.Debug, true);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
        if (ownsWriter) writer?.Dispose();
        else writer?.Flush();
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var prefix = level switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            _ => "",
        };
        var header = detailed ? $"{DateTime.Now:yyyy-MM-dd HH:mm:ss} {category[(category.LastIndexOf('.') + 1)..]}: " : "";
        lock (gate)
        {
            writer ??= openWriter();
            if (writer is null) return;
            writer.WriteLine($"{header}{prefix}{message}");
            if (exception is not null && detailed) writer.WriteLine(exception.ToString());
            writer.Flush();
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
