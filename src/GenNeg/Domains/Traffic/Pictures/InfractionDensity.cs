namespace GenNeg.Domains.Traffic.Pictures;

/// <summary>
/// Infractions per unit area (the paper's Figure 10): infracting vehicles' centres binned on a grid of square cells over
/// the map window, divided by the cell area and the number of scenes: vehicles per square metre per scene.
/// Row 0 is the top of the window (y = +half).
/// </summary>
public static class InfractionDensity
{
    public static double[,] Compute(IEnumerable<(double X, double Y)> centres, int scenes, double half, double cellSize)
    {
        var cells = (int)Math.Ceiling(2 * half / cellSize);
        var density = new double[cells, cells];
        if (scenes == 0) return density;
        var weight = 1 / (cellSize * cellSize * scenes);
        foreach (var (x, y) in centres)
        {
            var column = (int)Math.Floor((x + half) / cellSize);
            var row = (int)Math.Floor((half - y) / cellSize);
            if (column >= 0 && column < cells && row >= 0 && row < cells) density[row, column] += weight;
        }
        return density;
    }
}
