using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// Training noise levels: ln(sigma) uniform on [ln sigma_min, ln sigma_max]. The Gen-neG paper uses this in
/// place of EDM's log-normal (Appendix B.1); the classifiers draw their noise levels the same way.
/// </summary>
public sealed record LogUniformNoise(double SigmaMin, double SigmaMax)
{
    public double LogRange => Math.Log(SigmaMax) - Math.Log(SigmaMin);

    /// <returns>sigma, [count], on the generator's device</returns>
    public Tensor Sample(long count, Generator generator)
    {
        using var scope = NewDisposeScope();
        var u = rand([count], generator: generator, device: generator.device);
        return (u * LogRange + Math.Log(SigmaMin)).exp().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Stratified draws for lower-variance metric estimates: each of the rows gets one sigma in each of
    /// perRow equal slices of log-sigma. Returns [rows, perRow].
    /// </summary>
    public Tensor SampleStratified(long rows, long perRow, Generator generator)
    {
        using var scope = NewDisposeScope();
        var u = (arange(perRow, dtype: ScalarType.Float32, device: generator.device).unsqueeze(0) + rand([rows, perRow], generator: generator, device: generator.device)) / perRow;
        return (u * LogRange + Math.Log(SigmaMin)).exp().MoveToOuterDisposeScope();
    }
}
