using System.Numerics;

namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// A square raster of one bit per pixel, row-major as in <see cref="MapFrame"/>, pixel p in bit p % 8 of byte p / 8.
/// The oracle's fine road raster of every map stays in memory for the whole run, so it is kept at 1/8 of a byte per
/// pixel: 32 KB for the default 512 x 512 raster (64 m at 1/8 m per pixel), where a byte per pixel cost 256 KB.
/// </summary>
public sealed class BitRaster
{
    private readonly byte[] bits;

    private BitRaster(int pixels, byte[] bits)
    {
        Pixels = pixels;
        this.bits = bits;
    }

    /// <summary>
    /// The raster of a square row-major image of one byte per pixel whose rows start <paramref name="rowStride"/> bytes
    /// apart: a pixel is set where the image's value is not 0.
    /// </summary>
    public static BitRaster FromImage(int size, ReadOnlySpan<byte> image, int rowStride)
    {
        var pixels = size * size;
        var bits = new byte[(pixels + 7) / 8];
        for (var r = 0; r < size; r++)
        {
            var values = image.Slice(r * rowStride, size);
            for (var c = 0; c < size; c++)
                if (values[c] != 0)
                {
                    var p = r * size + c;
                    bits[p >> 3] |= (byte)(1 << (p & 7));
                }
        }
        return new BitRaster(pixels, bits);
    }

    public int Pixels { get; }

    /// <summary>The memory the raster holds, in bytes.</summary>
    public int Bytes => bits.Length;

    public bool this[int pixel] => (bits[pixel >> 3] & (1 << (pixel & 7))) != 0;

    /// <summary>How many pixels are set.</summary>
    public int CountSet()
    {
        var count = 0;
        foreach (var b in bits) count += BitOperations.PopCount(b);
        return count;
    }
}
