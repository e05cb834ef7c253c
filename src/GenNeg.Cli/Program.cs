using System.Runtime.InteropServices;
using GenNeg.Cli;
using GenNeg.Runtime;

// Before anything loads libtorch: glibc's allocator and OpenMP settings only take effect from process start.
ProcessSettings.RestartWithSettingsIfMissing();

// The first Ctrl+C or SIGTERM asks the running job to stop at its next step boundary and save its state; a second
// signal is not intercepted, so the process ends at once (the saved files are whole: every write is atomic).
using var cancellation = new CancellationTokenSource();
var terminated = false;
void Stop(PosixSignalContext context)
{
    if (cancellation.IsCancellationRequested) return;
    context.Cancel = true;
    terminated = context.Signal == PosixSignal.SIGTERM;
    cancellation.Cancel();
}
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

var interactive = !Console.IsErrorRedirected;
var code = GenNegCli.Run(args, Console.Out, Console.Error, interactive, cancellation.Token);
// Shells report a job stopped by SIGTERM as 128 + 15.
return code == ExitCodes.Interrupted && terminated ? ExitCodes.Terminated : code;
