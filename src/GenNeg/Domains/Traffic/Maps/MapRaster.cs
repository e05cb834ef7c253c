using NetTopologySuite.Geometries;
using SkiaSharp;

namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// Rasterises a drivable area onto a <see cref="MapFrame"/> with Skia: without anti-aliasing a pixel is road (255) iff
/// its centre lies inside the area; with it, the value is the road's coverage of the pixel (0-255).
/// </summary>
public static class MapRaster
{
    public static byte[] Rasterise(Geometry area, MapFrame frame, bool antialias)
    {
        using var bitmap = Draw(area, frame, antialias);
        var pixels = new byte[frame.Size * frame.Size];
        var source = bitmap.GetPixelSpan();
        for (var row = 0; row < frame.Size; row++)
            source.Slice(row * bitmap.RowBytes, frame.Size).CopyTo(pixels.AsSpan(row * frame.Size, frame.Size));
        return pixels;
    }

    /// <summary>The centre-sampled raster of <paramref name="area"/> at one bit per pixel: set iff the centre is inside.</summary>
    public static BitRaster RasteriseBits(Geometry area, MapFrame frame)
    {
        using var bitmap = Draw(area, frame, antialias: false);
        return BitRaster.FromImage(frame.Size, bitmap.GetPixelSpan(), bitmap.RowBytes);
    }

    private static SKBitmap Draw(Geometry area, MapFrame frame, bool antialias)
    {
        var bitmap = new SKBitmap(new SKImageInfo(frame.Size, frame.Size, SKColorType.Gray8, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { Color = SKColors.White, IsAntialias = antialias, Style = SKPaintStyle.Fill };
        using var path = ToPath(area, frame);
        canvas.Clear(SKColors.Black);
        canvas.DrawPath(path, paint);
        return bitmap;
    }

    /// <summary>The area's rings as one even-odd path in pixel coordinates of <paramref name="frame"/> (holes stay empty).</summary>
    public static SKPath ToPath(Geometry area, MapFrame frame, float scale = 1)
    {
        var path = new SKPath { FillType = SKPathFillType.EvenOdd };
        for (var i = 0; i < area.NumGeometries; i++)
        {
            if (area.GetGeometryN(i) is not Polygon polygon) continue;
            foreach (var ring in polygon.InteriorRings.Prepend(polygon.ExteriorRing))
            {
                var points = ring.Coordinates;
                for (var k = 0; k < points.Length; k++)
                {
                    var x = (float)((points[k].X + frame.Half) / frame.Resolution) * scale;
                    var y = (float)((frame.Half - points[k].Y) / frame.Resolution) * scale;
                    if (k == 0) path.MoveTo(x, y); else path.LineTo(x, y);
                }
                path.Close();
            }
        }
        return path;
    }
}
