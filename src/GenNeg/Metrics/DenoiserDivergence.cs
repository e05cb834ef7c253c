using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Metrics;

/// <summary>
/// The trace of the denoiser's Jacobian, tr(dD/dx), per row: what the probability-flow ODE's divergence needs
/// (div_x (x - D(x; sigma)) = d - tr(dD/dx)). Exact: one backward pass per dimension. Hutchinson (1989): v^T (dD/dx) v
/// averaged over Rademacher probes v, one backward pass per probe, unbiased for the trace. A guided stack's D contains
/// the classifiers' input gradients, so its Jacobian takes second derivatives through them (GuidedDenoiser keeps their
/// graph when x requires grad).
/// </summary>
public static class DenoiserDivergence
{
    /// <summary>D(x; sigma) and tr(dD/dx) per row.</summary>
    /// <param name="x">[B, D]</param>
    /// <param name="sigma">[B] or [1]</param>
    /// <param name="probes">null for the exact trace; else Rademacher probes [B, P, D]</param>
    /// <returns>D(x; sigma) [B, D] and the trace [B], both detached, in x's dtype</returns>
    public static (Tensor Denoised, Tensor Trace) Evaluate(IDenoiser denoiser, Tensor x, Tensor sigma, Tensor? probes)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var input = x.detach().requires_grad_(true);
        var denoised = denoiser.Denoise(input, sigma, Data.Condition.None);
        var dimension = x.shape[1];
        var passes = probes is null ? dimension : probes.shape[1];
        var trace = zeros([x.shape[0]], dtype: x.dtype, device: x.device);
        for (long i = 0; i < passes; i++)
        {
            var keepGraph = i < passes - 1;
            if (probes is null)
            {
                var row = autograd.grad([denoised.select(1, i).sum()], [input], retain_graph: keepGraph)[0];
                trace.add_(row.select(1, i));
            }
            else
            {
                var v = probes.select(1, i).to(x.dtype);
                var vectorJacobian = autograd.grad([(denoised * v).sum()], [input], retain_graph: keepGraph)[0];
                trace.add_((vectorJacobian * v).sum(1));
            }
        }
        if (probes is not null) trace.div_(passes);
        return (denoised.detach().MoveToOuterDisposeScope(), trace.MoveToOuterDisposeScope());
    }

    /// <summary>Rademacher probes (entries +1 or -1 with probability 1/2), [rows, probes, dimension].</summary>
    public static Tensor RademacherProbes(long rows, int probes, long dimension, Generator generator)
    {
        using var scope = NewDisposeScope();
        var bits = randint(0, 2, [rows, probes, dimension], generator: generator, device: generator.device).to(ScalarType.Float32);
        return (bits * 2 - 1).MoveToOuterDisposeScope();
    }
}
