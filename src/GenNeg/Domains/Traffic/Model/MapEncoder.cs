using GenNeg.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GenNeg.Domains.Traffic.Model;

/// <summary>
/// Map tokens from the road raster (uint8 [B, 1, H, W], 255 = road): three stride-2 3x3 convolutions with SiLU, so an
/// (H / 8) x (W / 8) grid of tokens of the model's width, plus a fixed 2-D sinusoidal encoding of each token's row and
/// column (half the channels each), so attention knows where on the map a token lies.
/// </summary>
public sealed class MapEncoder : Module<Tensor, Tensor>
{
    private readonly int width;
    private readonly Conv2d first;
    private readonly Conv2d second;
    private readonly Conv2d third;

    public MapEncoder(int width) : base(nameof(MapEncoder))
    {
        this.width = width;
        first = Conv2d(1, 16, 3, stride: 2, padding: 1);
        second = Conv2d(16, 32, 3, stride: 2, padding: 1);
        third = Conv2d(32, width, 3, stride: 2, padding: 1);
        RegisterComponents();
    }

    /// <returns>tokens [B, (H / 8) (W / 8), width]</returns>
    public override Tensor forward(Tensor raster)
    {
        using var scope = NewDisposeScope();
        var image = raster.to(ScalarType.Float32) / 255.0;
        var features = third.forward(functional.silu(second.forward(functional.silu(first.forward(image)))));   // [B, C, h, w]
        var (rows, columns) = (features.shape[2], features.shape[3]);
        var tokens = features.flatten(2).transpose(1, 2);                                                          // [B, h w, C]
        return (tokens + GridEncoding(rows, columns, features.device)).MoveToOuterDisposeScope();
    }

    private Tensor GridEncoding(long rows, long columns, Device device)
    {
        var half = width / 2;
        var row = arange(rows, dtype: ScalarType.Float32, device: device).reshape(-1, 1).expand(rows, columns).reshape(-1);
        var column = arange(columns, dtype: ScalarType.Float32, device: device).reshape(1, -1).expand(rows, columns).reshape(-1);
        var rowCode = SinusoidalEmbedding.Embed(row, half, 1, 100);
        var columnCode = SinusoidalEmbedding.Embed(column, width - half, 1, 100);
        return cat([rowCode, columnCode], 1).unsqueeze(0);
    }
}
