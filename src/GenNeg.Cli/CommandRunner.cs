using System.CommandLine;
using GenNeg.Runs;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli;

internal static class ExitCodes
{
    public const int Success = 0;
    public const int InternalError = 1;
    public const int UsageError = 2;
    public const int Interrupted = 130;
    public const int Terminated = 143;
}

/// <summary>How a command uses its run folder.</summary>
internal enum RunAccess
{
    /// <summary>Reads only (or writes nothing but log lines): runs beside a writer.</summary>
    Read,

    /// <summary>Writes stages, checkpoints or metrics: holds the folder's lock (<see cref="RunLock"/>) throughout.</summary>
    Write,

    /// <summary>As <see cref="Write"/>, and may start a new run: a missing folder is created.</summary>
    Create,
}

/// <summary>
/// Runs a command's handler and turns failures into one line and an exit code: the user's mistakes
/// (<see cref="GenNegException"/>) exit 2, Ctrl+C exits 130 with what the command kept and how to go on, anything
/// else exits 1 (stack trace with --verbose only). Writers hold the run folder's lock while they run.
/// </summary>
internal static class CommandRunner
{
    /// <param name="runPath">the command's --run folder, or null when it has none</param>
    /// <param name="onInterrupt">what is true after Ctrl+C for this command: what was kept, how to continue</param>
    public static int Execute(
        CliEnvironment environment, string? runPath, ParseResult parse, Func<ILoggerFactory, int> handler,
        RunAccess access = RunAccess.Read, string onInterrupt = "nothing was written")
    {
        var verbose = parse.GetValue<bool>(GenNegCli.VerboseOptionName);
        try
        {
            if (runPath is not null && string.IsNullOrWhiteSpace(runPath))
                throw new GenNegException("--run must name a folder, got an empty path");
            using var folderLock = access != RunAccess.Read && runPath is not null
                ? RunLock.Acquire(runPath, environment.CommandLine, mayCreate: access == RunAccess.Create)
                : null;
            using var loggers = environment.CreateLoggers(runPath, verbose);
            try
            {
                return handler(loggers);
            }
            catch (Exception e) when (e is not GenNegException and not OperationCanceledException)
            {
                loggers.CreateLogger("genneg").LogDebug(e, "Unexpected failure");
                throw;
            }
        }
        catch (GenNegException e)
        {
            environment.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.UsageError;
        }
        catch (OperationCanceledException)
        {
            environment.Error.WriteLine($"interrupted: {onInterrupt}");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            environment.Error.WriteLine(verbose ? $"internal error: {e}" : EchoedText.ShortenValues($"internal error: {e.GetType().Name}: {e.Message} (--verbose shows details)"));
            return ExitCodes.InternalError;
        }
    }
}
