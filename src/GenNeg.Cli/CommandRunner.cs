using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace GenNeg.Cli;

internal static class ExitCodes
{
    public const int Success = 0;
    public const int InternalError = 1;
    public const int UsageError = 2;
    public const int Interrupted = 130;
}

/// <summary>
/// Runs a command's handler and turns failures into one line and an exit code: the user's mistakes
/// (<see cref="GenNegException"/>) exit 2, Ctrl+C exits 130, anything else exits 1 (stack trace with --verbose only).
/// </summary>
internal static class CommandRunner
{
    public static int Execute(CliEnvironment environment, string? runPath, ParseResult parse, Func<ILoggerFactory, int> handler)
    {
        var verbose = parse.GetValue<bool>(GenNegCli.VerboseOptionName);
        try
        {
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
            environment.Error.WriteLine("interrupted: progress so far is saved; run the same command with --resume to continue");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            environment.Error.WriteLine(verbose ? $"internal error: {e}" : $"internal error: {e.GetType().Name}: {e.Message} (--verbose shows details)");
            return ExitCodes.InternalError;
        }
    }
}
