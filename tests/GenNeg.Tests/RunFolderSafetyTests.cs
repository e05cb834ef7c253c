using System.Diagnostics;
using GenNeg.Runs;
using static GenNeg.Tests.ReliabilityTests;

namespace GenNeg.Tests;

/// <summary>
/// A run folder's lock and its clean-up of killed writers' temporary files touch nothing but a run's own files: a folder
/// that is not a run is refused untouched, links are not followed, and a folder that cannot be written is reported as such.
/// </summary>
public class RunFolderSafetyTests
{
    /// <summary>A temporary-file name as GenNeg writes it on this machine, for a process that is not running.</summary>
    private static string AbandonedTemporary(string folder, string file) =>
        AtomicFile.TemporaryPath(Path.Combine(folder, file)).Replace($"-{Environment.ProcessId}.", "-2147483000.");

    [Fact]
    public void A_folder_that_is_not_a_run_is_refused_without_deleting_or_adding_anything()
    {
        using var folder = new TempFolder();
        var home = folder.Combine("home");
        Directory.CreateDirectory(Path.Combine(home, "docs", "deep"));
        var files = new[]
        {
            Path.Combine(home, "docs", "deep", ".thesis.4242.tmp"),
            Path.Combine(home, ".notes.31337.tmp"),
            AbandonedTemporary(home, "notes"),
            AbandonedTemporary(Path.Combine(home, "docs"), "draft"),
        };
        foreach (var file in files) File.WriteAllText(file, "mine");
        var config = TinyRun.WriteConfig(folder, Yaml);

        foreach (var command in new[]
        {
            new[] { "train-baseline", "--config", config, "--run", home },
            ["evaluate", "--run", home],
            ["iterate", "--run", home],
            ["pipeline", config, "--run", home],
        })
        {
            var result = ReliabilityTests.Cli(command);
            Assert.Equal(2, result.Code);
            Assert.StartsWith($"error: run folder '{home}' ", ErrorLine(result.Error));
            Assert.All(files, file => Assert.True(File.Exists(file), $"{command[0]} deleted {file}"));
            Assert.False(File.Exists(Path.Combine(home, RunLock.LockFile)), $"{command[0]} left a lock file");
            Assert.False(File.Exists(Path.Combine(home, RunLock.HolderFile)));
        }
    }

    [Fact]
    public void Clean_up_stays_in_the_run_layout_and_does_not_follow_links()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var victim = folder.Combine("victim");
        Directory.CreateDirectory(victim);
        var precious = AbandonedTemporary(victim, "precious");
        File.WriteAllText(precious, "not the run's");
        var sibling = folder.Combine("sibling");
        Directory.CreateDirectory(sibling);
        var siblingFile = AbandonedTemporary(sibling, "sibling");
        File.WriteAllText(siblingFile, "another run's");
        Directory.CreateSymbolicLink(Path.Combine(run, "link"), victim);
        Directory.CreateSymbolicLink(Path.Combine(run, "genneg-7"), victim);   // a stage's name, pointing elsewhere
        Directory.CreateSymbolicLink(Path.Combine(run, "baseline", "loop"), folder.Path);
        var userFolder = Path.Combine(run, "notes");
        Directory.CreateDirectory(userFolder);
        var userFile = AbandonedTemporary(userFolder, "draft");
        File.WriteAllText(userFile, "the user's");
        var leftover = AbandonedTemporary(Path.Combine(run, "baseline"), "denoiser.bin");
        File.WriteAllText(leftover, "half written");

        var evaluate = ReliabilityTests.Cli("evaluate", "--run", run);
        Assert.True(evaluate.Code == 0, evaluate.Error);
        Assert.True(File.Exists(precious));
        Assert.True(File.Exists(siblingFile));
        Assert.True(File.Exists(userFile));
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public void A_read_only_run_folder_is_reported_as_read_only_not_as_in_use()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        // What a writer killed with kill -9 leaves: a holder file naming a process that is gone.
        File.WriteAllText(Path.Combine(run, RunLock.HolderFile), "genneg iterate --run R\n2147483000\n");
        using var mount = ReadOnlyMount.TryCreate(run);
        if (mount is null) return;   // needs the right to mount (root); elsewhere there is nothing to check

        foreach (var command in new[] { new[] { "evaluate", "--run", run }, ["iterate", "--run", run], ["pipeline", TinyRun.WriteConfig(folder, Yaml), "--run", run] })
        {
            var result = ReliabilityTests.Cli(command);
            Assert.Equal(2, result.Code);
            var line = ErrorLine(result.Error);
            Assert.Contains("Read-only file system", line);
            Assert.DoesNotContain("in use", line);
            Assert.DoesNotContain("2147483000", line);
        }
    }

    /// <summary>A read-only bind mount of a folder over itself, undone on dispose.</summary>
    private sealed class ReadOnlyMount : IDisposable
    {
        private readonly string path;

        private ReadOnlyMount(string path) => this.path = path;

        public static ReadOnlyMount? TryCreate(string path)
        {
            if (!OperatingSystem.IsLinux() || Environment.UserName != "root") return null;
            if (!Run("mount", "--bind", path, path)) return null;
            var mount = new ReadOnlyMount(path);
            if (Run("mount", "-o", "remount,ro,bind", path)) return mount;
            mount.Dispose();
            return null;
        }

        private static bool Run(string program, params string[] args)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
                process.WaitForExit();
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }

        public void Dispose() => Run("umount", path);
    }
}
