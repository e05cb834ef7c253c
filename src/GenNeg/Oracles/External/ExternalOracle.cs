using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Oracles.External;

/// <summary>
/// An oracle written in any language (<c>oracle: external</c>): the program of external_oracle.command, started once
/// and kept running, is sent each batch as one request and answers with its verdict (<see cref="OracleMessage"/>;
/// docs/external-oracle.md). Requests hold the samples in the data's own units (<see cref="DataSplit.ToRealUnits"/>),
/// every condition tensor by name and, for samples with elements, the element mask.
/// <para>
/// Whatever goes wrong with the program (it cannot start, exits, writes something else to stdout, answers the wrong
/// shape, dtype or values, or not in time) stops the command with one line naming the program, the batch and the
/// problem, followed by the program's last stderr lines. The program is stopped when the oracle is disposed or the
/// process exits.
/// </para>
/// </summary>
public sealed class ExternalOracle : IOracle, IDisposable
{
    public const string OracleName = "external";

    /// <summary>The names of the request's own arrays; a condition tensor may not take them.</summary>
    public const string SamplesName = "samples";
    public const string ElementMaskName = "element_mask";

    /// <summary>The name of the reply's verdict; its other arrays are named reasons.</summary>
    public const string ValidName = "valid";

    /// <summary>Lines of the program's stderr a failure repeats.</summary>
    public const int StderrTailLines = 10;

    /// <summary>Seconds the program is given to exit by itself after its stdin closes, before it is killed.</summary>
    private const double ExitGraceSeconds = 2;

    private readonly ExternalOracleConfig config;
    private readonly DataSplit data;
    private readonly string label;
    private readonly Process process;
    private readonly Queue<string> stderrTail = new();
    private readonly TaskCompletionSource stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object gate = new();
    private long batches;
    private string? failure;
    private bool disposed;

    public ExternalOracle(ExternalOracleConfig config, DataSplit data)
    {
        if (config.Command.Count == 0)
            throw Configuration.ConfigKey.Error("external_oracle.command", $"must name the program to start for oracle: {OracleName}, e.g. [python3, my_oracle.py]");
        this.config = config;
        this.data = data;
        label = string.Join(' ', config.Command);
        var start = new ProcessStartInfo(config.Command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The stdin writer is never written through, but closing it must not add a byte-order mark to the stream.
            StandardInputEncoding = new UTF8Encoding(false),
        };
        foreach (var argument in config.Command.Skip(1)) start.ArgumentList.Add(argument);
        process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                stderrClosed.TrySetResult();
                return;
            }
            lock (stderrTail)
            {
                stderrTail.Enqueue(e.Data);
                while (stderrTail.Count > StderrTailLines) stderrTail.Dequeue();
            }
        };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new GenNegException($"external oracle '{label}' cannot start: {e.Message} (external_oracle.command names the program and its arguments)");
        }
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += StopOnExit;
    }

    public string Name => OracleName;

    /// <summary>Requests sent so far (the batch number a failure names).</summary>
    public long Batches => batches;

    public Tensor IsValid(Tensor samples) => Judge(samples, Condition.None).SampleValid();

    public OracleVerdict Judge(Tensor samples, Condition condition)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (failure is not null) throw new GenNegException(failure);
            var count = samples.shape[0];
            if (count <= config.BatchSize) return Exchange(samples, condition);
            using var scope = NewDisposeScope();
            var parts = new List<OracleVerdict>();
            for (long start = 0; start < count; start += config.BatchSize)
            {
                var size = Math.Min(config.BatchSize, count - start);
                parts.Add(Exchange(samples.narrow(0, start, size), condition.Slice(start, size)));
            }
            var reasons = parts[0].Infractions.Keys.ToArray();
            if (parts.Any(p => !p.Infractions.Keys.Order().SequenceEqual(reasons.Order())))
                throw Fail($"its reasons changed from one request to the next ({string.Join(", ", reasons)}, then {string.Join(", ", parts.First(p => !p.Infractions.Keys.Order().SequenceEqual(reasons.Order())).Infractions.Keys)})");
            var infractions = reasons.ToDictionary(reason => reason, reason => cat(parts.Select(p => p.Infractions[reason]).ToArray(), 0));
            return new OracleVerdict(cat(parts.Select(p => p.Valid).ToArray(), 0), infractions).MoveToOuterDisposeScope();
        }
    }

    /// <summary>One request and its reply: the verdict on samples [B, *S], on the samples' device.</summary>
    private OracleVerdict Exchange(Tensor samples, Condition condition)
    {
        batches++;
        var batch = samples.shape[0];
        var request = Request(samples, condition, batch);
        var exchange = Task.Run(() =>
        {
            var writing = Task.Run(() =>
            {
                var stdin = process.StandardInput.BaseStream;
                stdin.Write(request);
                stdin.Flush();
            });
            var reply = OracleMessage.Read(process.StandardOutput.BaseStream);
            writing.Wait();
            return reply;
        });
        IReadOnlyList<(string Name, NpyRaw Array)>? reply;
        try
        {
            if (!exchange.Wait(TimeSpan.FromSeconds(config.TimeoutSeconds)))
                throw Fail($"it gave no answer within {config.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s (external_oracle.timeout_seconds; " +
                    "an iterate run again with a larger one resumes where this stopped)");
            reply = exchange.Result;
        }
        catch (AggregateException e)
        {
            var cause = e.Flatten().InnerExceptions.FirstOrDefault(x => x is ProtocolException) ?? e.Flatten().InnerExceptions[0];
            throw cause is ProtocolException ? ExitedOr(cause.Message, afterProblem: true) : ExitedOr($"talking to it failed: {cause.Message}");
        }
        if (reply is null) throw ExitedOr("it closed its stdout without answering");
        return Verdict(reply, batch, samples.device);
    }

    private byte[] Request(Tensor samples, Condition condition, long batch)
    {
        using var scope = NewDisposeScope();
        var arrays = new List<(string, byte[])> { (SamplesName, OracleMessage.Npy(data.ToRealUnits(samples.detach()))) };
        foreach (var (name, tensor) in condition.Entries)
        {
            if (name is SamplesName or ElementMaskName)
                throw new GenNegException($"external oracle '{label}': the condition's tensor '{name}' has the name of the request's own array; rename it");
            arrays.Add((name, OracleMessage.Npy(tensor)));
        }
        if (data.ElementMask(condition, batch, samples.device) is { } mask) arrays.Add((ElementMaskName, OracleMessage.Npy(mask)));
        return OracleMessage.Encode(arrays);
    }

    private OracleVerdict Verdict(IReadOnlyList<(string Name, NpyRaw Array)> reply, long batch, Device device)
    {
        var names = reply.Select(r => r.Name).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw Fail($"its reply names an array twice ({string.Join(", ", names)})");
        var valid = reply.Where(r => r.Name == ValidName).Select(r => r.Array).FirstOrDefault()
            ?? throw Fail($"its reply has no array '{ValidName}' (it has {(names.Count == 0 ? "none" : string.Join(", ", names))})");
        long[] perElement = [batch, .. data.ElementShape];
        if (!valid.Shape.SequenceEqual(new[] { batch }) && !valid.Shape.SequenceEqual(perElement))
            throw Fail($"it answered '{ValidName}' of shape {Shape(valid.Shape)} for {batch} samples; expected {Shape([batch])}" +
                (data.ElementShape.Length > 0 ? $" or {Shape(perElement)}" : ""));
        using var scope = NewDisposeScope();
        var infractions = new Dictionary<string, Tensor>();
        foreach (var (name, array) in reply.Where(r => r.Name != ValidName))
        {
            if (!array.Shape.SequenceEqual(valid.Shape))
                throw Fail($"it answered reason '{name}' of shape {Shape(array.Shape)}, '{ValidName}' of shape {Shape(valid.Shape)}; a reason is shaped like the verdict");
            infractions[name] = Flags(name, array).to(device);
        }
        return new OracleVerdict(Flags(ValidName, valid).to(device), infractions).MoveToOuterDisposeScope();
    }

    /// <summary>0 or 1 per entry (bool, integer or float), as a bool tensor; anything else is the program's mistake.</summary>
    private Tensor Flags(string name, NpyRaw array)
    {
        var values = array.Data;
        var count = checked((int)array.Shape.Aggregate(1L, (a, b) => a * b));
        var flags = new bool[count];
        var size = values.Length / Math.Max(count, 1);
        for (var i = 0; i < count; i++)
        {
            var item = values.AsSpan(i * size, size);
            double value = array.Descr switch
            {
                "|b1" or "|u1" => item[0],
                "|i1" => (sbyte)item[0],
                "<u2" => BitConverter.ToUInt16(item),
                "<i2" => BitConverter.ToInt16(item),
                "<u4" => BitConverter.ToUInt32(item),
                "<i4" => BitConverter.ToInt32(item),
                "<u8" => BitConverter.ToUInt64(item),
                "<i8" => BitConverter.ToInt64(item),
                "<f2" => (double)BitConverter.ToHalf(item),
                "<f4" => BitConverter.ToSingle(item),
                _ => BitConverter.ToDouble(item),
            };
            if (double.IsNaN(value)) throw Fail($"it answered NaN in '{name}' (sample {i / Math.Max(count / array.Shape[0], 1)}); a verdict is 0 or 1");
            if (value is not (0 or 1))
                throw Fail($"it answered {value.ToString(CultureInfo.InvariantCulture)} in '{name}' (sample {i / Math.Max(count / array.Shape[0], 1)}); a verdict is 0 or 1 (bool, integer or float)");
            flags[i] = value == 1;
        }
        return tensor(flags).reshape(array.Shape);
    }

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>
    /// The failure for an exchange that broke: the program's exit when it has exited (after <paramref name="problem"/> when
    /// that says what it wrote), else <paramref name="problem"/>.
    /// </summary>
    private GenNegException ExitedOr(string problem, bool afterProblem = false)
    {
        // A program that broke the exchange by exiting is given a moment to be seen to have exited.
        if (!process.WaitForExit(TimeSpan.FromMilliseconds(afterProblem ? 100 : 1000))) return Fail(problem);
        return Fail(afterProblem ? $"{problem}; then it exited with code {process.ExitCode}" : $"it exited with code {process.ExitCode} before answering");
    }

    /// <summary>Stops the program and records the one-line failure (repeated by any later call) with its stderr's last lines.</summary>
    private GenNegException Fail(string problem)
    {
        Stop();
        stderrClosed.Task.Wait(TimeSpan.FromSeconds(1));
        string[] tail;
        lock (stderrTail) tail = stderrTail.ToArray();
        var message = new StringBuilder($"external oracle '{label}' failed on batch {batches}: {problem}");
        if (tail.Length == 0) message.Append("; it wrote nothing to stderr");
        else
        {
            message.Append($"; its last {(tail.Length == 1 ? "line" : $"{tail.Length} lines")} of stderr:");
            foreach (var line in tail) message.Append("\n  ").Append(EchoedText.Shorten(line));
        }
        failure = message.ToString();
        return new GenNegException(failure);
    }

    /// <summary>Kills the program (and anything it started) unless it has exited, and reaps it.</summary>
    private void Stop()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // Already gone: nothing to stop.
        }
    }

    private void StopOnExit(object? sender, EventArgs e) => Stop();

    /// <summary>Closes the program's stdin (its sign to finish), gives it a moment to exit, then kills it.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            AppDomain.CurrentDomain.ProcessExit -= StopOnExit;
            try
            {
                if (!process.HasExited)
                {
                    process.StandardInput.Close();
                    process.WaitForExit(TimeSpan.FromSeconds(ExitGraceSeconds));
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // A closed pipe: the program is gone or going; Stop makes sure.
            }
            Stop();
            process.Dispose();
        }
    }
}
