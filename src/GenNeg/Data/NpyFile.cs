using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace GenNeg.Data;

/// <summary>An array read from a .npy file: its shape and its values in C order, as float32.</summary>
public sealed record NpyArray(long[] Shape, float[] Values);

/// <summary>An array read from .npy bytes with its values left as they were stored: its shape, dtype ('|b1', '&lt;i8', ...) and bytes in C order.</summary>
public sealed record NpyRaw(long[] Shape, string Descr, byte[] Data);

/// <summary>
/// NumPy's .npy format (numpy.lib.format, versions 1.0-3.0): the magic "\x93NUMPY", a major and minor version byte,
/// the header length (uint16 little-endian in 1.0, uint32 in 2.0 and 3.0), then a Python dict literal with 'descr',
/// 'fortran_order' and 'shape', padded with spaces and ended by '\n' so the data starts at a multiple of 64 bytes
/// (16 in old writers), then the values. Reads little-endian float32 ('&lt;f4') and float64 ('&lt;f8') arrays in C
/// order; anything else is refused with one line naming what is wrong.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GenNegException($"cannot read '{path}': {e.Message}");
        }
        return Parse(bytes, path);
    }

    public static NpyArray Parse(byte[] bytes, string source)
    {
        var (descr, shape, dataStart) = ReadHeader(bytes, source);
        var itemSize = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            var other => throw Bad(source, $"dtype '{other}' is not little-endian float32 ('<f4') or float64 ('<f8')"),
        };
        var data = CheckedData(bytes, source, shape, itemSize, dataStart);
        var count = data.Length / itemSize;
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = itemSize == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..])
                : (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]);
        return new NpyArray(shape, values);
    }

    /// <summary>The item sizes of the dtypes <see cref="ParseRaw"/> reads: bool, integers and floats, little-endian or single-byte.</summary>
    public static readonly IReadOnlyDictionary<string, int> RawItemSizes = new Dictionary<string, int>
    {
        ["|b1"] = 1, ["|u1"] = 1, ["|i1"] = 1, ["<u2"] = 2, ["<i2"] = 2, ["<u4"] = 4, ["<i4"] = 4, ["<u8"] = 8, ["<i8"] = 8,
        ["<f2"] = 2, ["<f4"] = 4, ["<f8"] = 8,
    };

    /// <summary>
    /// An array of any dtype of <see cref="RawItemSizes"/>, its values left as bytes (C order); '=' and '&lt;' mean the same
    /// on the little-endian machines GenNeg runs on.
    /// </summary>
    public static NpyRaw ParseRaw(byte[] bytes, string source)
    {
        var (descr, shape, dataStart) = ReadHeader(bytes, source);
        var canonical = descr.Length == 3 && descr[0] is '=' or '<' or '|' ? (descr[1] is 'b' or 'u' or 'i' && descr[2] == '1' ? "|" : "<") + descr[1..] : descr;
        if (!RawItemSizes.TryGetValue(canonical, out var itemSize))
            throw Bad(source, $"dtype '{descr}' is not bool, a little-endian integer or a float ({string.Join(", ", RawItemSizes.Keys)})");
        return new NpyRaw(shape, canonical, CheckedData(bytes, source, shape, itemSize, dataStart).ToArray());
    }

    private static GenNegException Bad(string source, string what) => new($"'{source}' is not a readable .npy file: {what}");

    /// <summary>The header's dtype, shape and where the data start; refuses Fortran order and malformed headers.</summary>
    private static (string Descr, long[] Shape, long DataStart) ReadHeader(byte[] bytes, string source)
    {
        GenNegException Bad(string what) => NpyFile.Bad(source, what);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic)) throw Bad("it does not start with the magic \\x93NUMPY");
        var major = bytes[6];
        if (major is < 1 or > 3) throw Bad($"format version {major}.{bytes[7]} is not 1.0, 2.0 or 3.0");
        var lengthBytes = major == 1 ? 2 : 4;
        var headerStart = 8 + lengthBytes;
        if (bytes.Length < headerStart) throw Bad("the header length is cut off");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (headerStart + headerLength > bytes.Length) throw Bad($"the header claims {headerLength} bytes but the file ends before");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, headerStart, (int)headerLength);

        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!header.TrimStart().StartsWith('{') || !descr.Success || !fortran.Success || !shapeMatch.Success)
            throw Bad("the header is not a dict with 'descr', 'fortran_order' and 'shape'");
        if (fortran.Groups[1].Value == "True") throw Bad("it is in Fortran order; save it with numpy.ascontiguousarray first");
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Bad($"shape entry '{d}' is not a size"))
            .ToArray();
        return (descr.Groups[1].Value, shape, headerStart + headerLength);
    }

    /// <summary>The data bytes, refused unless they are exactly what the shape needs.</summary>
    private static ReadOnlySpan<byte> CheckedData(byte[] bytes, string source, long[] shape, int itemSize, long dataStart)
    {
        // Checked: a product that wraps around could otherwise match the file's length and pass as a size.
        var needed = NeededBytes(shape, itemSize);
        if (needed != bytes.Length - dataStart)
            throw Bad(source, $"shape ({string.Join(", ", shape)}) needs {needed?.ToString(CultureInfo.InvariantCulture) ?? $"more than {long.MaxValue}"} bytes of data, the file holds {bytes.Length - dataStart}");
        return bytes.AsSpan((int)dataStart);
    }

    /// <summary>The data bytes of <paramref name="shape"/>, or null when they exceed what a long counts.</summary>
    private static long? NeededBytes(long[] shape, int itemSize)
    {
        try
        {
            return checked(shape.Aggregate((long)itemSize, (a, b) => a * b));
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>Writes float32 values in C order as a version 1.0 .npy file, the way numpy.save does (header padded to 64 bytes).</summary>
    public static byte[] Format(long[] shape, ReadOnlySpan<float> values)
    {
        var data = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), values[i]);
        return FormatRaw(shape, "<f4", data);
    }

    /// <summary>Writes values already laid out as <paramref name="descr"/> in C order (e.g. '|b1', '&lt;i8') as a version 1.0 .npy file.</summary>
    public static byte[] FormatRaw(long[] shape, string descr, ReadOnlySpan<byte> data)
    {
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        var unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        var header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        var bytes = new byte[Magic.Length + 4 + header.Length + data.Length];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        data.CopyTo(bytes.AsSpan(10 + header.Length));
        return bytes;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
