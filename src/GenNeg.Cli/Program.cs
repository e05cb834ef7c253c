using System.Runtime.InteropServices;
using GenNeg.Cli;
using GenNeg.Runtime;

// Before anything loads libtorch: glibc's allocator settings only take effect from process start.
AllocatorSettings.RestartWithSettingsIfMissing();

// Ctrl+C and SIGTERM ask the running job to stop at its next step boundary and save its state.
using var cancellation = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    cancellation.Cancel();
}
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

var interactive = !Console.IsErrorRedirected;
return GenNegCli.Run(args, Console.Out, Console.Error, interactive, cancellation.Token);
