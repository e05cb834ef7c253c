using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>What DDPM's two samplers share: the steps they visit and the model's prediction at x_t.</summary>
public static class DdpmSteps
{
    /// <summary>
    /// The visited steps tau_1 &lt; ... &lt; tau_S = T, evenly spaced (Song et al. 2021, DDIM, Section 4.2); with S = T every
    /// step. The sampler walks them from T down, then to t = 0.
    /// </summary>
    public static int[] Visited(int timesteps, int steps)
    {
        if (steps < 1 || steps > timesteps)
            throw new GenNegException($"config key 'sampler.steps' must be between 1 and model.timesteps ({timesteps}), got {steps}");
        return Enumerable.Range(1, steps).Select(k => (int)Math.Round((double)k * timesteps / steps)).ToArray();
    }

    /// <summary>
    /// Runs x_T = noise down the visited steps, tau_S = T to tau_1, then to 0: x_s = step(x_t, t, s), each step in its own
    /// dispose scope and without autograd bookkeeping (guidance turns gradients on for itself).
    /// </summary>
    public static Tensor Walk(Tensor noise, int[] visited, Func<Tensor, int, int, Tensor> step)
    {
        using var noGrad = no_grad();
        var x = noise.alias();
        for (var i = visited.Length - 1; i >= 0; i--)
        {
            using var scope = NewDisposeScope();
            var next = step(x, visited[i], i == 0 ? 0 : visited[i - 1]);
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
        }
        return x;
    }

    /// <summary>
    /// eps_theta(x_t, t) and the clean estimate x0_hat, read off the shared seam: with x = x_t / sqrt(abar_t) and
    /// sigma = sigma_t, x0_hat = D(x; sigma) and eps = (x - D(x; sigma)) / sigma. A guided denoiser therefore yields the
    /// guided epsilon eps - sqrt(1 - abar_t) g (Dhariwal &amp; Nichol 2021, Eq. 14).
    /// </summary>
    public static (Tensor Epsilon, Tensor Clean) Predict(IDenoiser denoiser, DdpmSchedule schedule, Tensor xt, Condition condition, int t)
    {
        using var scope = NewDisposeScope();
        var sigma = schedule.Sigma(t);
        var x = xt * Math.Sqrt(1 + sigma * sigma);
        var clean = denoiser.Denoise(x, full([1], sigma, dtype: xt.dtype, device: xt.device), condition);
        var epsilon = (x - clean) / sigma;
        return (epsilon.MoveToOuterDisposeScope(), clean.MoveToOuterDisposeScope());
    }
}
