using System.Buffers.Binary;
using System.Text;
using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Oracles.External;

/// <summary>
/// One message of the external-oracle protocol (docs/external-oracle.md), a request or a reply: the magic "GNEG", the
/// number of arrays (uint32 little-endian), then per array its name (uint16 byte length, UTF-8) and its .npy bytes
/// (uint64 byte length, then a version 1.0 .npy file). Any language with a .npy reader speaks it; numpy reads each
/// array with np.load on the bytes.
/// </summary>
public static class OracleMessage
{
    public static ReadOnlySpan<byte> Magic => "GNEG"u8;

    /// <summary>Arrays per message at most: a request holds the samples, the condition's tensors and a mask.</summary>
    public const int MaxArrays = 4096;

    /// <summary>Bytes of one array at most: what one .NET array holds.</summary>
    public static readonly long MaxArrayBytes = Array.MaxLength;

    public static byte[] Encode(IReadOnlyList<(string Name, byte[] Npy)> arrays)
    {
        using var stream = new MemoryStream();
        Span<byte> word = stackalloc byte[8];
        stream.Write(Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)arrays.Count);
        stream.Write(word[..4]);
        foreach (var (name, npy) in arrays)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            BinaryPrimitives.WriteUInt16LittleEndian(word, checked((ushort)nameBytes.Length));
            stream.Write(word[..2]);
            stream.Write(nameBytes);
            BinaryPrimitives.WriteUInt64LittleEndian(word, (ulong)npy.Length);
            stream.Write(word);
            stream.Write(npy);
        }
        return stream.ToArray();
    }

    /// <summary>
    /// Reads one message; null when the stream ends before its first byte. A stream that ends inside the message, or
    /// that does not hold one, fails with <see cref="ProtocolException"/> saying what arrived.
    /// </summary>
    public static IReadOnlyList<(string Name, NpyRaw Array)>? Read(Stream stream)
    {
        var magic = new byte[4];
        var got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got == 0) return null;
        if (got < 4 || !magic.AsSpan().SequenceEqual(Magic))
            throw new ProtocolException($"its output starts with {Printable(magic.AsSpan(0, got), stream)} rather than the magic GNEG: something other than the " +
                "reply was written to stdout (print to stderr instead)");
        var count = ReadUInt32(stream, "the array count");
        if (count > MaxArrays) throw new ProtocolException($"the reply claims {count:N0} arrays; at most {MaxArrays:N0}");
        var arrays = new List<(string, NpyRaw)>();
        for (var i = 0; i < count; i++)
        {
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(ReadExactly(stream, 2, $"the name length of array {i + 1}"));
            var name = Encoding.UTF8.GetString(ReadExactly(stream, nameLength, $"the name of array {i + 1}"));
            var length = BinaryPrimitives.ReadUInt64LittleEndian(ReadExactly(stream, 8, $"the length of array '{name}'"));
            if (length > (ulong)MaxArrayBytes) throw new ProtocolException($"array '{name}' claims {length:N0} bytes; at most {MaxArrayBytes:N0}");
            var npy = ReadExactly(stream, (int)length, $"array '{name}'");
            try
            {
                arrays.Add((name, NpyFile.ParseRaw(npy, name)));
            }
            catch (GenNegException e)
            {
                throw new ProtocolException(e.Message);
            }
        }
        return arrays;
    }

    /// <summary>A tensor as .npy bytes in its own dtype (bfloat16 and complex types are refused; float16 stays float16).</summary>
    public static byte[] Npy(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var descr = tensor.dtype switch
        {
            ScalarType.Bool => "|b1",
            ScalarType.Byte => "|u1",
            ScalarType.Int8 => "|i1",
            ScalarType.Int16 => "<i2",
            ScalarType.Int32 => "<i4",
            ScalarType.Int64 => "<i8",
            ScalarType.Float16 => "<f2",
            ScalarType.Float32 => "<f4",
            ScalarType.Float64 => "<f8",
            _ => null,
        };
        var host = descr is null ? tensor.detach().to(ScalarType.Float32).cpu().contiguous() : tensor.detach().cpu().contiguous();
        return NpyFile.FormatRaw(host.shape, descr ?? "<f4", host.bytes);
    }

    private static uint ReadUInt32(Stream stream, string what) => BinaryPrimitives.ReadUInt32LittleEndian(ReadExactly(stream, 4, what));

    private static byte[] ReadExactly(Stream stream, int count, string what)
    {
        var buffer = new byte[count];
        if (stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false) < count)
            throw new ProtocolException($"its reply ended inside {what}");
        return buffer;
    }

    /// <summary>The first bytes of what arrived, with whatever else arrives at once, as text a person can read.</summary>
    private static string Printable(ReadOnlySpan<byte> start, Stream stream)
    {
        var more = new byte[60];
        var pending = stream.ReadAsync(more, 0, more.Length);
        var extra = pending.Wait(TimeSpan.FromMilliseconds(200)) ? pending.Result : 0;
        var bytes = start.ToArray().Concat(more.Take(extra)).ToArray();
        var text = new string(bytes.Select(b => b is >= 32 and < 127 ? (char)b : '.').ToArray());
        return $"'{text}'";
    }
}

/// <summary>A reply that breaks the protocol; the oracle turns it into its one-line failure.</summary>
public sealed class ProtocolException(string message) : Exception(message);
