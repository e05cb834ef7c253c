using GenNeg.Configuration;
using static TorchSharp.torch;

namespace GenNeg.Data;

/// <summary>A data set's training and held-out points, [N, D] each.</summary>
public sealed record DataSplit(Tensor Train, Tensor Validation) : IDisposable
{
    public int Dimension => (int)Train.shape[1];

    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
    }
}

/// <summary>The built-in data sets, drawn from their own seeds so they never depend on the model's randomness.</summary>
public static class Datasets
{
    public static DataSplit Load(DataConfig config)
    {
        Func<long, Generator, Tensor> draw = config.Name switch
        {
            "checkerboard" => CheckerboardData.Sample,
            _ => throw new GenNegException($"config key 'data.name': unknown data set '{config.Name}'"),
        };
        using var trainGenerator = new Generator((ulong)config.Seed);
        using var validationGenerator = new Generator((ulong)config.ValidationSeed);
        return new DataSplit(draw(config.TrainSize, trainGenerator), draw(config.ValidationSize, validationGenerator));
    }
}
