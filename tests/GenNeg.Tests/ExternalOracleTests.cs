using System.Diagnostics;
using GenNeg.Cli;
using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Domains.Checkerboard;
using GenNeg.Oracles.External;
using GenNeg.Runs;
using static TorchSharp.torch;

namespace GenNeg.Tests;

/// <summary>A python3 that imports numpy (the one on PATH, else the system's), or why there is none.</summary>
internal static class Python
{
    private static readonly Lazy<string?> Found = new(() => new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(HasNumpy));

    public static string? Executable => Found.Value;

    public const string Missing = "needs python3 with numpy (tried python3 on PATH and /usr/bin/python3; install python3-numpy)";

    /// <summary>A script of the Python oracle samples (samples/PythonOracle), by file name.</summary>
    public static string Sample(string file) => Repository.File(Path.Combine("samples", "PythonOracle", file));

    private static bool HasNumpy(string program)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, ["-c", "import numpy"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A fact that needs python3 with numpy: skipped, saying so, where there is none.</summary>
internal sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (Python.Executable is null) Skip = Python.Missing;
    }
}

/// <summary>A theory that needs python3 with numpy: skipped, saying so, where there is none.</summary>
internal sealed class PythonTheoryAttribute : TheoryAttribute
{
    public PythonTheoryAttribute()
    {
        if (Python.Executable is null) Skip = Python.Missing;
    }
}

public class ExternalOracleTests
{
    private static DataSplit Points(int count, long seed)
    {
        using var generator = new Generator((ulong)seed);
        // Beyond the board too, so that off-board points are judged as well.
        var points = (rand(count, 2, generator: generator) * 10 - 5).to(ScalarType.Float32);
        return new DataSplit(points, points[..2].clone());
    }

    private static ExternalOracleConfig Command(params string[] command) => new() { Command = command, BatchSize = 100, TimeoutSeconds = 20 };

    /// <summary>A Python oracle script in <paramref name="folder"/> that imports the samples' protocol module.</summary>
    private static string Script(TempFolder folder, string body)
    {
        var path = folder.Combine("oracle.py");
        File.WriteAllText(path, $"import sys\nsys.path.insert(0, {PythonString(Path.GetDirectoryName(Python.Sample("genneg_oracle.py"))!)})\n" + body);
        return path;
    }

    private static string PythonString(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    [Fact]
    public void A_message_round_trips_every_dtype_by_name_in_order()
    {
        using var flags = tensor(new[] { true, false, true });
        using var index = tensor(new long[] { 7, -1, 1L << 40 });
        using var values = tensor(new[] { 0.5f, float.NaN, -2f, 3f, 4f, 5f }).reshape(3, 2);
        using var pixels = tensor(new byte[] { 0, 255, 9 });
        var bytes = OracleMessage.Encode([("flags", OracleMessage.Npy(flags)), ("map_index", OracleMessage.Npy(index)), ("samples", OracleMessage.Npy(values)), ("raster", OracleMessage.Npy(pixels))]);

        var read = OracleMessage.Read(new MemoryStream(bytes))!;
        Assert.Equal(["flags", "map_index", "samples", "raster"], read.Select(r => r.Name));
        Assert.Equal(["|b1", "<i8", "<f4", "|u1"], read.Select(r => r.Array.Descr));
        Assert.Equal(new long[] { 3, 2 }, read[2].Array.Shape);
        Assert.Equal(new byte[] { 1, 0, 1 }, read[0].Array.Data);
        Assert.Equal(new long[] { 7, -1, 1L << 40 }, Enumerable.Range(0, 3).Select(i => BitConverter.ToInt64(read[1].Array.Data, 8 * i)));
        Assert.Equal(values.data<float>().ToArray(), Enumerable.Range(0, 6).Select(i => BitConverter.ToSingle(read[2].Array.Data, 4 * i)));
        Assert.Equal(new byte[] { 0, 255, 9 }, read[3].Array.Data);
        // The stream's end before a message is the end of the conversation; inside one it is an error saying where.
        Assert.Null(OracleMessage.Read(new MemoryStream()));
        Assert.Contains("ended inside array 'raster'", Assert.Throws<ProtocolException>(() => OracleMessage.Read(new MemoryStream(bytes[..^60]))).Message);
    }

    [PythonFact]
    public void Python_reads_a_request_and_writes_it_back_unchanged()
    {
        using var folder = new TempFolder();
        // An oracle that answers with the request itself: what numpy read is exactly what GenNeg sent.
        var script = Script(folder, """
            from genneg_oracle import read_message, write_message
            request = read_message(sys.stdin.buffer)
            write_message(sys.stdout.buffer, request)
            """);
        using var map = tensor(new long[] { 3, 1, 2 });
        using var samples = tensor(new[] { 1.5f, -2.25f, 3f, 4f, 5f, 6f }).reshape(3, 2);
        var request = OracleMessage.Encode([("samples", OracleMessage.Npy(samples)), ("map_index", OracleMessage.Npy(map)), ("mask", OracleMessage.Npy(samples > 2))]);
        using var process = Process.Start(new ProcessStartInfo(Python.Executable!, [script]) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        process.StandardInput.BaseStream.Write(request);
        process.StandardInput.Close();
        var reply = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(reply);
        process.WaitForExit();
        Assert.Equal(request, reply.ToArray());
    }

    [PythonFact]
    public void The_python_checkerboard_oracle_agrees_with_the_built_in_one_point_by_point()
    {
        using var data = Points(1000, seed: 4);
        using var oracle = new ExternalOracle(Command(Python.Executable!, Python.Sample("checkerboard_oracle.py")), data);
        // Points on the cell edges too, where floor and the half-open cells decide.
        using var edges = tensor(new[] { -4f, -4f, 3.99f, 0f, 4f, 0f, 0f, 2f, -2f, -0f, 2f, 2f }).reshape(6, 2);
        using var samples = cat([data.Train, edges], 0);
        var verdict = oracle.Judge(samples, Condition.None);
        using var expected = new CheckerboardOracle().IsValid(samples);
        Assert.Equal(expected.data<bool>().ToArray(), verdict.Valid.data<bool>().ToArray());
        // 1,006 samples at 100 per request.
        Assert.Equal(11, oracle.Batches);
    }

    [PythonFact]
    public void Per_element_verdicts_and_named_reasons_arrive_shaped_as_sent()
    {
        using var folder = new TempFolder();
        var script = Script(folder, """
            import numpy as np
            from genneg_oracle import serve
            def judge(request):
                x = request["samples"]
                assert request["element_mask"].shape == x.shape[:2] and request["element_mask"].dtype == bool
                high = x[..., 0] > 0
                return {"valid": (~high).astype(np.uint8), "high": high, "scene": np.repeat(request["scene"][:, None], x.shape[1], axis=1) > 1}
            serve(judge)
            """);
        using var scenes = tensor(new[] { 1f, 0f, -1f, 0f, -2f, 0f, 3f, 0f }).reshape(2, 2, 2);
        using var data = new DataSplit(scenes, scenes, elementShape: [2]);
        using var oracle = new ExternalOracle(Command(Python.Executable!, script), data);
        using var scene = tensor(new long[] { 1, 2 });
        var verdict = oracle.Judge(scenes, Condition.Of("scene", scene));
        Assert.Equal([false, true, true, false], verdict.Valid.flatten().data<bool>().ToArray());
        Assert.Equal(["high", "scene"], verdict.Infractions.Keys);
        Assert.Equal([true, false, false, true], verdict.Infractions["high"].flatten().data<bool>().ToArray());
        Assert.Equal([false, false, true, true], verdict.Infractions["scene"].flatten().data<bool>().ToArray());
    }

    [Fact]
    public void A_program_that_cannot_start_is_named()
    {
        using var data = Points(10, seed: 1);
        var message = Assert.Throws<GenNegException>(() => new ExternalOracle(Command("genneg-no-such-oracle-program", "--flag"), data)).Message;
        Assert.StartsWith("external oracle 'genneg-no-such-oracle-program --flag' cannot start:", message);
    }

    [Fact]
    public void An_external_oracle_without_a_command_is_refused_at_load_naming_the_key()
    {
        var schema = Registries.CreateDefault().ConfigSchema;
        var message = Assert.Throws<GenNegException>(() => ConfigLoader.Parse("oracle: external", schema)).Message;
        Assert.StartsWith("config key 'external_oracle.command' must name the program", message);
        Assert.StartsWith("config key 'external_oracle.command[1]' is empty",
            Assert.Throws<GenNegException>(() => ConfigLoader.Parse("oracle: external\nexternal_oracle: { command: [python3, ''] }", schema)).Message);
        Assert.StartsWith("config key 'external_oracle.timeout_seconds'",
            Assert.Throws<GenNegException>(() => ConfigLoader.Parse("external_oracle: { timeout_seconds: 0 }", schema)).Message);
        var loaded = ConfigLoader.Parse("oracle: external", schema, ["external_oracle.command=[python3, my oracle.py, --flag]"]);
        Assert.Equal(["python3", "my oracle.py", "--flag"], loaded.ExternalOracle.Command);
        // The config a run saves reads back the same.
        Assert.Equal(ConfigLoader.ToYaml(loaded), ConfigLoader.ToYaml(ConfigLoader.Parse(ConfigLoader.ToYaml(loaded), schema)));
    }

    public static TheoryData<string, string, int, string> Failures => new()
    {
        { "exits at start", "print('cannot parse --flag', file=sys.stderr)\nsys.exit(3)", 1, "it exited with code 3 before answering" },
        {
            "crashes mid-batch",
            "from genneg_oracle import serve\nimport numpy as np\ncount = [0]\ndef judge(r):\n    count[0] += 1\n    if count[0] == 3: raise RuntimeError('boom on the third')\n    return np.ones(len(r['samples']), bool)\nserve(judge)",
            3, "it exited with code 1 before answering"
        },
        { "prints junk", "print('hello from the oracle')\nsys.stdout.flush()\nsys.stdin.buffer.read()", 1, "its output starts with 'hell" },
        { "wrong shape", "from genneg_oracle import serve\nimport numpy as np\nserve(lambda r: np.ones(len(r['samples']) + 1, bool))", 1, "it answered 'valid' of shape [101] for 100 samples; expected [100]" },
        { "wrong dtype", "from genneg_oracle import serve\nimport numpy as np\nserve(lambda r: np.array(['yes'] * len(r['samples'])))", 1, "'valid' is not a readable .npy file: dtype '<U3' is not bool, a little-endian integer or a float" },
        { "NaN", "from genneg_oracle import serve\nimport numpy as np\nserve(lambda r: np.where(np.arange(len(r['samples'])) == 5, np.nan, 1.0))", 1, "it answered NaN in 'valid' (sample 5)" },
        { "not 0 or 1", "from genneg_oracle import serve\nimport numpy as np\nserve(lambda r: np.full(len(r['samples']), 2, np.int32))", 1, "it answered 2 in 'valid' (sample 0); a verdict is 0 or 1" },
        { "no valid", "from genneg_oracle import serve\nimport numpy as np\nserve(lambda r: {'collision': np.ones(len(r['samples']), bool)})", 1, "its reply has no array 'valid' (it has collision)" },
        { "too slow", "import time\nprint('thinking', file=sys.stderr, flush=True)\ntime.sleep(60)", 1, "it gave no answer within 1.5 s (external_oracle.timeout_seconds; an iterate run again with a larger one resumes where this stopped)" },
    };

    [PythonTheory]
    [MemberData(nameof(Failures))]
    public void Each_failure_stops_with_one_line_naming_the_oracle_the_batch_and_the_problem_then_the_stderr_tail(
        string failure, string body, int batch, string problem)
    {
        using var folder = new TempFolder();
        var script = Script(folder, $"import os\nopen({PythonString(folder.Combine("pid"))}, 'w').write(str(os.getpid()))\n{body}\n");
        using var data = Points(400, seed: 2);
        var oracle = new ExternalOracle(Command(Python.Executable!, script) with { TimeoutSeconds = 1.5 }, data);
        var clock = Stopwatch.StartNew();
        var message = Assert.Throws<GenNegException>(() => oracle.Judge(data.Train, Condition.None)).Message;
        var lines = message.Split('\n');
        Assert.True(lines[0].StartsWith($"external oracle '{Python.Executable} {script}' failed on batch {batch}: {problem}", StringComparison.Ordinal), message);
        Assert.All(lines.Skip(1), line => Assert.StartsWith("  ", line));
        if (failure == "exits at start") Assert.Equal("  cannot parse --flag", lines[^1]);
        if (failure == "crashes mid-batch") Assert.Equal("  RuntimeError: boom on the third", lines[^1]);
        if (failure == "too slow") Assert.Equal("  thinking", lines[^1]);
        if (failure == "prints junk") Assert.Contains("rather than the magic GNEG: something other than the reply was written to stdout", lines[0]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"{failure} took {clock.Elapsed}");
        // The failure is kept: a later batch gets the same line, without talking to a program that is gone.
        Assert.Equal(message, Assert.Throws<GenNegException>(() => oracle.Judge(data.Train[..5], Condition.None)).Message);
        oracle.Dispose();
        // Killed and reaped: no process (not even a zombie) is left behind.
        var pid = File.ReadAllText(folder.Combine("pid"));
        Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} is still there");
    }

    [PythonFact]
    public void Bench_times_the_external_oracle_against_the_configured_one()
    {
        var config = ConfigLoader.Parse("oracle: checkerboard", Registries.CreateDefault().ConfigSchema,
            [$"external_oracle.command=[{Python.Executable}, {Python.Sample("identity_oracle.py")}]"]);
        var figures = Benchmarks.ExternalOracleBenchmark.Figures(config, Registries.CreateDefault());
        Assert.Equal(3, figures.Count);
        Assert.StartsWith("oracle checkerboard, 1,000-sample batch", figures[0].Name);
        Assert.Contains("identity_oracle.py', 1,000-sample batch", figures[1].Name);
        Assert.All(figures.Take(2), f => Assert.True(f.Value > 0 && f.Unit == "ms", f.ToString()));
        Assert.Equal(figures[1].Value - figures[0].Value, figures[2].Value, 9);
    }

    [PythonFact]
    public void Disposing_closes_stdin_and_the_program_exits_by_itself()
    {
        using var folder = new TempFolder();
        var done = folder.Combine("done");
        var script = Script(folder, $"from genneg_oracle import serve\nimport numpy as np\nserve(lambda r: np.ones(len(r['samples']), bool))\nopen({PythonString(done)}, 'w').write('finished')\n");
        using var data = Points(10, seed: 3);
        using (var oracle = new ExternalOracle(Command(Python.Executable!, script), data))
            Assert.True(oracle.Judge(data.Train, Condition.None).SampleValidFlags().All(v => v));
        Assert.Equal("finished", File.ReadAllText(done));
    }
}

/// <summary>A tiny checkerboard baseline trained once, and one iteration on it with the built-in oracle.</summary>
public sealed class TinyIterationFixture : IDisposable
{
    public const string Genneg =
        "genneg: { per_class: 200, min_per_class: 10, draw_batch_size: 100, max_draws: 20000, classifier: { iterations: 100, batch_size: 128, learning_rate: 3.0e-3, checkpoint_every: 50 } }\n";

    private readonly TempFolder folder = new();

    public TinyIterationFixture()
    {
        Baseline = BuiltIn = "";
        // Every test that uses the runs needs Python; without it they are skipped and nothing need be trained.
        if (Python.Executable is null) return;
        var config = TinyRun.WriteConfig(folder, TinyRun.Yaml + "\n" + Genneg);
        Baseline = folder.Combine("baseline");
        ExternalOracleCliTests.Cli("train-baseline", "--config", config, "--run", Baseline, "--set", "train.iterations=200");
        BuiltIn = Copy("built-in");
        ExternalOracleCliTests.Cli("iterate", "--run", BuiltIn, "--oracle", "checkerboard");
    }

    public string Baseline { get; }

    public string BuiltIn { get; }

    public string Copy(string name)
    {
        var target = folder.Combine(name + "-" + Guid.NewGuid().ToString("N")[..6]);
        foreach (var file in Directory.EnumerateFiles(Baseline, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(Baseline, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        return target;
    }

    public void Dispose() => folder.Dispose();
}

public class ExternalOracleCliTests(TinyIterationFixture fixture) : IClassFixture<TinyIterationFixture>
{
    internal static string Cli(params string[] args)
    {
        var error = new StringWriter();
        var code = GenNegCli.Run(args, new StringWriter(), error);
        Assert.True(code == 0, error.ToString());
        return error.ToString();
    }

    private static string CommandOf(params string[] words) => $"external_oracle.command=[{string.Join(", ", words)}]";

    [PythonFact]
    public void Iterate_through_the_python_checkerboard_oracle_draws_the_built_in_labels()
    {
        var run = fixture.Copy("external");
        Cli("iterate", "--run", run, "--oracle", "external", "--set", CommandOf(Python.Executable!, Python.Sample("checkerboard_oracle.py")));
        var theirs = RunFolder.Open(fixture.BuiltIn).Stage("genneg-1").Classifiers[0];
        var ours = RunFolder.Open(run).Stage("genneg-1").Classifiers[0];
        Assert.Equal(theirs.Alpha, ours.Alpha);
        Assert.Equal((theirs.Drawn, theirs.PositivesDrawn, theirs.NegativesDrawn), (ours.Drawn, ours.PositivesDrawn, ours.NegativesDrawn));
        // The same samples with the same labels, in the same order.
        Assert.Equal(File.ReadAllBytes(Path.Combine(fixture.BuiltIn, "genneg-1", "draws.bin")), File.ReadAllBytes(Path.Combine(run, "genneg-1", "draws.bin")));
    }

    [PythonFact]
    public void An_oracle_that_fails_mid_draw_loses_nothing_and_the_rerun_resumes_to_the_same_set()
    {
        var run = fixture.Copy("resumed");
        var script = Path.Combine(run, "flaky_oracle.py");
        var marker = Path.Combine(run, "failed-once");
        // The checkerboard oracle, except that its first life ends on its third batch.
        File.WriteAllText(script, $$"""
            import os, sys
            sys.path.insert(0, {{"'" + Path.GetDirectoryName(Python.Sample("checkerboard_oracle.py")) + "'"}})
            from checkerboard_oracle import judge
            from genneg_oracle import serve
            count = [0]
            def flaky(request):
                count[0] += 1
                if count[0] == 3 and not os.path.exists({{"'" + marker + "'"}}):
                    open({{"'" + marker + "'"}}, "w").close()
                    print("flaky: giving up on batch 3", file=sys.stderr, flush=True)
                    os._exit(7)
                return judge(request)
            serve(flaky)
            """);
        string[] iterate = ["iterate", "--run", run, "--oracle", "external", "--set", CommandOf(Python.Executable!, script)];

        var error = new StringWriter();
        Assert.Equal(ExitCodes.UsageError, GenNegCli.Run(iterate, new StringWriter(), error));
        // Progress lines come first; the error is the last line and the program's stderr after it.
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).SkipWhile(line => !line.StartsWith("error:", StringComparison.Ordinal)).ToArray();
        Assert.StartsWith($"error: external oracle '{Python.Executable} {script}' failed on batch 3: it exited with code 7 before answering", lines[0]);
        Assert.Equal("  flaky: giving up on batch 3", lines[^1]);
        // The two batches labelled before the failure were kept.
        var drawsBin = Path.Combine(run, "genneg-1", "draws.bin");
        Assert.True(File.Exists(drawsBin));
        using (var kept = Guidance.SyntheticSet.Load(drawsBin, new Generator(1)))
            Assert.Equal(200, kept.Drawn);

        // A longer timeout may come with the re-run: it changes nothing that was drawn.
        Cli([.. iterate, "--set", "external_oracle.timeout_seconds=120"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(fixture.BuiltIn, "genneg-1", "draws.bin")), File.ReadAllBytes(drawsBin));
        Assert.Equal(RunFolder.Open(fixture.BuiltIn).Stage("genneg-1").Classifiers[0].Alpha, RunFolder.Open(run).Stage("genneg-1").Classifiers[0].Alpha);
    }
}
