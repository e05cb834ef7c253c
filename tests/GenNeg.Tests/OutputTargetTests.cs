using System.Diagnostics;
using GenNeg.Runs;
using static GenNeg.Tests.ReliabilityTests;

namespace GenNeg.Tests;

/// <summary>
/// --out naming something other than a regular file: a symbolic link's target is written and the link kept, a device or
/// named pipe is written into (never replaced by a file), and a device that refuses the data gives one error line.
/// </summary>
public class OutputTargetTests
{
    private static bool Tool(string program, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    [Fact]
    public void A_symbolic_link_keeps_its_place_and_its_target_is_written()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var target = folder.Combine("target.csv");
        File.WriteAllText(target, "old\n");
        var link = folder.Combine("link.csv");
        File.CreateSymbolicLink(link, target);
        var dangling = folder.Combine("dangling.csv");
        File.CreateSymbolicLink(dangling, folder.Combine("created.csv"));

        foreach (var output in new[] { link, dangling })
        {
            var sample = ReliabilityTests.Cli("sample", "--run", run, "-n", "5", "--out", output);
            Assert.True(sample.Code == 0, sample.Error);
            Assert.NotNull(new FileInfo(output).LinkTarget);
        }
        Assert.Equal(6, File.ReadAllLines(target).Length);
        Assert.Equal(6, File.ReadAllLines(folder.Combine("created.csv")).Length);
    }

    [Fact]
    public void A_link_named_without_a_folder_writes_its_target_beside_it()
    {
        using var folder = new TempFolder();
        var target = folder.Combine("target.txt");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(folder.Combine("link.txt"), "target.txt");
        var previous = Environment.CurrentDirectory;
        try
        {
            // A bare name, as `-o link.txt` from inside the folder gives it; the link's relative target lies beside it.
            Environment.CurrentDirectory = folder.Path;
            AtomicFile.Write("link.txt", stream => stream.Write("new"u8));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
        Assert.Equal("new", File.ReadAllText(target));
        Assert.NotNull(new FileInfo(folder.Combine("link.txt")).LinkTarget);
    }

    [Fact]
    public async Task A_named_pipe_is_written_into_and_stays_a_pipe()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var fifo = folder.Combine("fifo");
        if (!Tool("mkfifo", fifo)) return;   // no mkfifo: nothing to check
        // Opened for reading and writing, the pipe does not block the test, and the test can unblock its own read.
        using var pipe = new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        var received = Task.Run(() =>
        {
            var text = new System.Text.StringBuilder();
            var buffer = new byte[4096];
            while (text.ToString().Count(c => c == '\n') < 6)
            {
                var read = pipe.Read(buffer, 0, buffer.Length);
                if (read == 0 || buffer[0] == 0) break;
                text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
            }
            return text.ToString();
        });

        var sample = ReliabilityTests.Cli("sample", "--run", run, "-n", "5", "--out", fifo);
        Assert.True(sample.Code == 0, sample.Error);
        // The summary stays out of stdout, which such a pipe may be.
        Assert.DoesNotContain("samples from", sample.Output);
        Assert.Contains("5 samples from 'baseline'", sample.Error);
        if (await Task.WhenAny(received, Task.Delay(TimeSpan.FromSeconds(20))) != received) pipe.Write([0]);
        var text = await received;
        Assert.Equal(FileKind.Special, FileKinds.Of(fifo));
        Assert.StartsWith("x0,x1,valid\n", text);
        Assert.Equal(6, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void A_device_is_written_into_and_a_full_one_gives_one_error_line()
    {
        using var folder = new TempFolder();
        var run = TrainedRun(folder);
        var full = folder.Combine("full");
        var empty = folder.Combine("null");
        // Nodes of their own, like /dev/full and /dev/null, so the machine's devices are never at stake.
        if (!Tool("mknod", full, "c", "1", "7") || !Tool("mknod", empty, "c", "1", "3")) return;

        var discarded = ReliabilityTests.Cli("sample", "--run", run, "-n", "5", "--out", empty);
        Assert.True(discarded.Code == 0, discarded.Error);
        Assert.Equal(FileKind.Special, FileKinds.Of(empty));

        var refused = ReliabilityTests.Cli("sample", "--run", run, "-n", "5", "--out", full);
        Assert.Equal(2, refused.Code);
        Assert.Equal($"error: cannot write '{full}': No space left on device", ErrorLine(refused.Error));
        Assert.Equal(FileKind.Special, FileKinds.Of(full));
    }

    [Fact]
    public void Regular_files_and_directories_are_told_apart_from_devices()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("file");
        File.WriteAllText(file, "x");
        Assert.Equal(FileKind.RegularFile, FileKinds.Of(file));
        Assert.Equal(FileKind.Directory, FileKinds.Of(folder.Path));
        Assert.Equal(FileKind.Missing, FileKinds.Of(folder.Combine("none")));
        if (OperatingSystem.IsLinux()) Assert.Equal(FileKind.Special, FileKinds.Of("/dev/null"));
    }
}
