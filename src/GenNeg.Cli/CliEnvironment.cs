using GenNeg.Cli.Console;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli;

/// <summary>What every command needs from its surroundings: output streams, logging, progress, oracles, cancellation.</summary>
internal sealed class CliEnvironment(TextWriter output, TextWriter error, bool interactive, CancellationToken cancellation, string commandLine)
{
    /// <summary>This invocation as typed ("genneg iterate --run R ..."), shown to a writer refused by the run folder's lock.</summary>
    public string CommandLine { get; } = commandLine;

    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;
    public CancellationToken Cancellation { get; } = cancellation;
    public Registries Registries { get; } = Registries.CreateDefault();
    public ProgressDisplay Progress => progress ??= new(Error, interactive, Registries.ConfigSchema);
    private ProgressDisplay? progress;

    /// <summary>Loggers writing to stderr, and to the run's log.txt once the run folder exists.</summary>
    public ILoggerFactory CreateLoggers(string? runPath, bool verbose)
    {
        var factory = LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Debug);
            builder.AddProvider(TextWriterLoggerProvider.ForConsole(Error, verbose ? LogLevel.Debug : LogLevel.Information));
            if (runPath is not null) builder.AddProvider(TextWriterLoggerProvider.ForFile(Path.Combine(Path.GetFullPath(runPath), "log.txt"), Error));
        });
        Registries.Loggers = factory;
        return factory;
    }
}
