using GenNeg.Domains.Traffic.Oracle;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Domains.Traffic.Model;

/// <summary>
/// What the road looks like under and around each vehicle. Map tokens of 8 x 8 raster pixels cannot tell a vehicle where
/// a kerb lies to the 0.3 m its clearance asks, so each vehicle also reads the map at a 5 x 5 grid of points in its own
/// frame: -1.4, -1, 0, 1 and 1.4 half-lengths along it by the same half-widths across, so the oracle's corners and edge
/// midpoints are on the grid with a ring just outside them. The map there is the raster itself plus a few learned edge
/// features (one 5 x 5 convolution at the raster's resolution), read by bilinear interpolation; outside the window it
/// reads zero, off-road, as the oracle does. The interpolation is written out (four gathers) rather than grid_sample,
/// whose backward pass libtorch cannot differentiate: the exact likelihood and the DLSM losses take second derivatives
/// through a classifier's input gradient, and libtorch aborts the process on grid_sample's.
/// </summary>
public sealed class MapProbe : Module<Tensor, Tensor>
{
    private static readonly double[] Offsets = [-1.4, -1, 0, 1, 1.4];

    /// <summary>The grid, along-major: (along, across) in half-lengths and half-widths.</summary>
    public static readonly (double Along, double Across)[] Grid = Offsets.SelectMany(along => Offsets.Select(across => (along, across))).ToArray();

    /// <summary>Points read per vehicle.</summary>
    public static int Points => Grid.Length;

    /// <summary>Channels read at each point: the raster and the learned features.</summary>
    public const int Channels = 8;

    private readonly Conv2d edges;

    public MapProbe() : base(nameof(MapProbe))
    {
        edges = Conv2d(1, Channels - 1, 5, padding: 2);
        RegisterComponents();
    }

    /// <summary>The map read by <see cref="Read"/>: [B, Channels, H, W] from the raster (uint8 [B, 1, H, W], 255 = road).</summary>
    public override Tensor forward(Tensor raster)
    {
        using var scope = NewDisposeScope();
        var road = raster.to(ScalarType.Float32) / 255.0;
        return cat([road, functional.silu(edges.forward(road))], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Each vehicle's readings, [B, A, Points x Channels].</summary>
    /// <param name="map">the output of <see cref="forward"/></param>
    /// <param name="boxes">the vehicles in metres</param>
    /// <param name="grid"><see cref="Grid"/> as <see cref="VehicleBoxes.Factors"/> on the vehicles' device</param>
    /// <param name="half">half the window's side in metres: the raster covers [-half, half]^2, row 0 at y = +half</param>
    public static Tensor Read(Tensor map, VehicleBoxes boxes, Tensor grid, double half)
    {
        using var scope = NewDisposeScope();
        var (x, y) = boxes.PointsAt(grid);                                                                  // [B, A, P]
        var (batch, agents) = (x.shape[0], x.shape[1]);
        var (height, width) = (map.shape[2], map.shape[3]);
        // Pixel coordinates with pixel centres at whole numbers: x grows to the right from the window's left edge, rows
        // grow downwards from its top (as grid_sample's with align_corners false).
        var column = ((x / half + 1) * (width / 2.0) - 0.5).reshape(batch, -1).to(map.dtype);              // [B, A P]
        var row = ((1 - y / half) * (height / 2.0) - 0.5).reshape(batch, -1).to(map.dtype);
        var read = BilinearRead(map, column, row);                                                           // [B, C, A P]
        return read.reshape(batch, Channels, agents, Points).permute(0, 2, 1, 3).reshape(batch, agents, Channels * Points)
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// map [B, C, H, W] at fractional pixel positions [B, N], bilinear, zero outside the raster: [B, C, N]. Differentiable
    /// twice in the positions (the weights are products of the fractional parts).
    /// </summary>
    public static Tensor BilinearRead(Tensor map, Tensor column, Tensor row)
    {
        using var scope = NewDisposeScope();
        var (batch, channels, height, width) = (map.shape[0], map.shape[1], map.shape[2], map.shape[3]);
        var flat = map.reshape(batch, channels, height * width);
        var (left, top) = (column.floor(), row.floor());
        var (right, down) = (column - left, row - top);                     // weights of the right column and lower row
        Tensor Corner(Tensor cornerColumn, Tensor cornerRow, Tensor weight)
        {
            var inside = cornerColumn.ge(0) & cornerColumn.le(width - 1) & cornerRow.ge(0) & cornerRow.le(height - 1);
            var index = (cornerRow.clamp(0, height - 1) * width + cornerColumn.clamp(0, width - 1)).to(ScalarType.Int64);
            var values = flat.gather(2, index.unsqueeze(1).expand(batch, channels, index.shape[1]));
            return values * (weight * inside.to(weight.dtype)).unsqueeze(1);
        }
        return (Corner(left, top, (1 - right) * (1 - down)) + Corner(left + 1, top, right * (1 - down))
            + Corner(left, top + 1, (1 - right) * down) + Corner(left + 1, top + 1, right * down)).MoveToOuterDisposeScope();
    }
}
