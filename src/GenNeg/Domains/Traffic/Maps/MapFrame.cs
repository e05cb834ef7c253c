namespace GenNeg.Domains.Traffic.Maps;

/// <summary>
/// The square map window [-Half, Half]^2 in metres and a pixel grid over it: row 0 at the top (y = +Half), column 0 on
/// the left (x = -Half), as images are stored. Pixel (row, column) covers a square of side <see cref="Resolution"/>.
/// </summary>
public sealed record MapFrame(double Half, double Resolution)
{
    public int Size { get; } = (int)Math.Round(2 * Half / Resolution);

    public bool Contains(double x, double y) => x >= -Half && x < Half && y > -Half && y <= Half;

    /// <summary>Row-major pixel index of (x, y), or -1 outside the window.</summary>
    public int PixelIndex(double x, double y)
    {
        if (!Contains(x, y)) return -1;
        var column = Math.Min(Size - 1, (int)Math.Floor((x + Half) / Resolution));
        var row = Math.Min(Size - 1, (int)Math.Floor((Half - y) / Resolution));
        return row * Size + column;
    }
}
