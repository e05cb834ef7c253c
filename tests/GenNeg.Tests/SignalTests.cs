using System.Collections.Concurrent;
using System.Diagnostics;
using GenNeg.Runs;

namespace GenNeg.Tests;

/// <summary>
/// What only a real process shows: exit codes after signals, a second Ctrl+C, and the run folder's lock dying with
/// a killed writer. Each test runs the built CLI (GenNeg.Cli.dll, copied next to the tests) as a child process.
/// </summary>
public class SignalTests
{
    private const string LongTraining = TinyRun.Yaml + """

        genneg: { per_class: 50, min_per_class: 10, draw_batch_size: 200, max_draws: 2000000 }
        """;

    /// <summary>A running genneg process whose stderr lines are collected as they come.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process process;
        private readonly BlockingCollection<string> lines = [];
        private readonly List<string> all = [];

        public Child(params string[] args)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "GenNeg.Cli.dll"));
            foreach (var arg in args) start.ArgumentList.Add(arg);
            process = Process.Start(start)!;
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) lines.CompleteAdding();
                else
                {
                    lock (all) all.Add(e.Data);
                    lines.Add(e.Data);
                }
            };
            process.BeginErrorReadLine();
            process.OutputDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
        }

        public int Id => process.Id;
        public bool HasExited => process.HasExited;

        public string Stderr
        {
            get
            {
                lock (all) return string.Join('\n', all);
            }
        }

        /// <summary>Waits (up to two minutes) for a stderr line containing <paramref name="text"/>.</summary>
        public void WaitForLine(string text)
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (DateTime.UtcNow < deadline)
            {
                if (lines.TryTake(out var line, TimeSpan.FromSeconds(1)))
                {
                    if (line.Contains(text, StringComparison.Ordinal)) return;
                }
                else if (lines.IsCompleted)
                {
                    break;
                }
            }
            throw new Xunit.Sdk.XunitException($"no line with '{text}' in stderr:\n{Stderr}");
        }

        public void Signal(string name)
        {
            using var kill = Process.Start("kill", ["-" + name, Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        public int WaitForExit()
        {
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the process did not exit");
            process.WaitForExit();   // drains the redirected streams
            return process.ExitCode;
        }

        public void Kill() => process.Kill();

        public void Dispose()
        {
            if (!process.HasExited) process.Kill();
            process.Dispose();
        }
    }

    private static string LongRun(TempFolder folder) => TinyRun.WriteConfig(folder, LongTraining);

    [Fact]
    public void Sigterm_saves_and_exits_143_saying_how_to_continue()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        using var child = new Child("train-baseline", "--config", LongRun(folder), "--run", run, "--set", "train.iterations=10000000");
        child.WaitForLine("train baseline: step");
        child.Signal("TERM");
        Assert.Equal(143, child.WaitForExit());
        Assert.Contains("interrupted: training state saved to the last checkpoint; run the same command with --resume to continue", child.Stderr);
        Assert.True(File.Exists(Path.Combine(run, "baseline", "training.ckpt")));
    }

    /// <summary>
    /// Whether this process ignores SIGINT, as any program started in the background by a shell without job control
    /// does (POSIX); its children inherit that, and the runtime keeps it (a background job must not take Ctrl+C).
    /// </summary>
    private static bool SigintIgnored()
    {
        const int sigint = 2;   // SigIgn is a hex mask with bit (n - 1) set for each ignored signal n
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (sigint - 1))) != 0;
    }

    [Fact]
    public void A_second_ctrl_c_exits_at_once_without_waiting_for_the_step()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        using (var train = new Child("train-baseline", "--config", LongRun(folder), "--run", run, "--set", "train.iterations=20"))
            Assert.Equal(0, train.WaitForExit());

        // Where the test itself was started with SIGINT ignored, the child cannot receive it: SIGTERM takes the same path.
        var (signal, exitCode) = SigintIgnored() ? ("TERM", 143) : ("INT", 130);
        // One drawing batch of 400,000 samples over 200 steps: far longer than it takes to send two signals.
        using var child = new Child("iterate", "--run", run, "--set", "genneg.draw_batch_size=400000", "--set", "genneg.max_draws=4000000", "--set", "sampler.steps=200");
        child.WaitForLine("draw from baseline");
        // The line is printed just before the first batch starts: give the batch time to be under way.
        Thread.Sleep(2000);
        child.Signal(signal);
        Thread.Sleep(500);
        Assert.False(child.HasExited, "the first signal should wait for the step boundary; stderr: " + (child.HasExited ? child.Stderr : ""));
        child.Signal(signal);
        Assert.Equal(exitCode, child.WaitForExit());
        // The graceful path would have finished the batch and printed what it saved; the second signal cut it short.
        Assert.DoesNotContain("interrupted:", child.Stderr);
    }

    [Fact]
    public void The_lock_dies_with_a_killed_writer_and_its_temporary_files_are_cleaned_up()
    {
        using var folder = new TempFolder();
        var run = folder.Combine("run");
        using var child = new Child("train-baseline", "--config", LongRun(folder), "--run", run, "--set", "train.iterations=10000000");
        child.WaitForLine("train baseline: step");
        var refused = Assert.Throws<GenNegException>(() => RunLock.Acquire(run, "test"));
        Assert.Contains($"(process {child.Id})", refused.Message);

        child.Kill();   // SIGKILL: no cleanup runs
        child.WaitForExit();
        var leftover = AtomicFile.TemporaryPath(Path.Combine(run, "baseline", "training.ckpt")).Replace($"-{Environment.ProcessId}.", $"-{child.Id}.");
        File.WriteAllText(leftover, "half a checkpoint");
        using (RunLock.Acquire(run, "test"))
            Assert.False(File.Exists(leftover));
    }
}
