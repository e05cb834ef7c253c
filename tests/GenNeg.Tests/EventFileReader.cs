using System.Buffers.Binary;
using System.Text;

namespace GenNeg.Tests;

/// <summary>One summary value of a TensorBoard event: a scalar or an encoded image.</summary>
internal sealed record EventValue(string Tag, float? Scalar, EventImage? Image);

internal sealed record EventImage(int Height, int Width, int Colorspace, byte[] Encoded);

/// <summary>One event record (tensorflow/core/util/event.proto): wall time, step, file version or summary values.</summary>
internal sealed record EventRecord(double WallTime, long Step, string? FileVersion, IReadOnlyList<EventValue> Values);

/// <summary>
/// Reads a TensorBoard event file without TensorBoard's or TorchSharp's code: TFRecord framing (uint64 length,
/// masked CRC-32C of the length, the data, masked CRC-32C of the data; little-endian), then the Event protobuf
/// decoded field by field. Written from the formats' specifications so that it checks the writer independently.
/// </summary>
internal static class EventFileReader
{
    public static List<EventRecord> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<EventRecord>();
        var at = 0;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 12) throw new InvalidDataException($"truncated record header at byte {at}");
            var header = bytes.AsSpan(at, 8);
            var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header));
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)) != MaskedCrc32C(header))
                throw new InvalidDataException($"length CRC mismatch at byte {at}");
            var data = bytes.AsSpan(at + 12, length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + length, 4)) != MaskedCrc32C(data))
                throw new InvalidDataException($"data CRC mismatch at byte {at}");
            records.Add(DecodeEvent(data.ToArray()));
            at += 12 + length + 4;
        }
        return records;
    }

    /// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), masked as TFRecord does: rotate right 15, add 0xa282ead8.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        crc ^= 0xFFFFFFFFu;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    // Event: 1 wall_time (double), 2 step (int64), 3 file_version (string), 5 summary (Summary).
    private static EventRecord DecodeEvent(byte[] data)
    {
        double wallTime = 0;
        long step = 0;
        string? fileVersion = null;
        var values = new List<EventValue>();
        foreach (var (field, wire, number, payload) in Fields(data))
        {
            switch (field)
            {
                case 1 when wire == 1: wallTime = BitConverter.Int64BitsToDouble((long)number); break;
                case 2 when wire == 0: step = (long)number; break;
                case 3 when wire == 2: fileVersion = Encoding.UTF8.GetString(payload!); break;
                // Summary: 1 value (repeated Value).
                case 5 when wire == 2: values.AddRange(Fields(payload!).Where(f => f.Field == 1 && f.Wire == 2).Select(f => DecodeValue(f.Payload!))); break;
            }
        }
        return new EventRecord(wallTime, step, fileVersion, values);
    }

    // Summary.Value: 1 tag (string), 2 simple_value (float), 4 image (Image).
    private static EventValue DecodeValue(byte[] data)
    {
        var tag = "";
        float? scalar = null;
        EventImage? image = null;
        foreach (var (field, wire, number, payload) in Fields(data))
        {
            switch (field)
            {
                case 1 when wire == 2: tag = Encoding.UTF8.GetString(payload!); break;
                case 2 when wire == 5: scalar = BitConverter.Int32BitsToSingle((int)number); break;
                case 4 when wire == 2: image = DecodeImage(payload!); break;
            }
        }
        return new EventValue(tag, scalar, image);
    }

    // Summary.Image: 1 height, 2 width, 3 colorspace (int32), 4 encoded_image_string (bytes).
    private static EventImage DecodeImage(byte[] data)
    {
        int height = 0, width = 0, colorspace = 0;
        var encoded = Array.Empty<byte>();
        foreach (var (field, wire, number, payload) in Fields(data))
        {
            switch (field)
            {
                case 1 when wire == 0: height = (int)number; break;
                case 2 when wire == 0: width = (int)number; break;
                case 3 when wire == 0: colorspace = (int)number; break;
                case 4 when wire == 2: encoded = payload!; break;
            }
        }
        return new EventImage(height, width, colorspace, encoded);
    }

    /// <summary>The protobuf wire format's fields: varint (0), fixed64 (1), length-delimited (2) and fixed32 (5).</summary>
    private static IEnumerable<(int Field, int Wire, ulong Number, byte[]? Payload)> Fields(byte[] data)
    {
        var at = 0;
        while (at < data.Length)
        {
            var key = Varint(data, ref at);
            var field = (int)(key >> 3);
            var wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return (field, wire, Varint(data, ref at), null); break;
                case 1: yield return (field, wire, BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(at, 8)), null); at += 8; break;
                case 2:
                    var length = (int)Varint(data, ref at);
                    yield return (field, wire, 0, data.AsSpan(at, length).ToArray());
                    at += length;
                    break;
                case 5: yield return (field, wire, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at, 4)), null); at += 4; break;
                default: throw new InvalidDataException($"unsupported protobuf wire type {wire} (field {field})");
            }
        }
    }

    private static ulong Varint(byte[] data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
    }
}
