using GenNeg.Configuration;
using GenNeg.Data;
using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Sampling;

/// <summary>What DDPM's two samplers share: the steps they visit and the model's prediction at x_t.</summary>
public static class DdpmSteps
{
    /// <summary>sampler.spacing: the visited steps evenly spaced, or closer together near t = 0.</summary>
    public const string LinearSpacing = "linear", QuadraticSpacing = "quadratic";

    public static readonly IReadOnlyList<string> Spacings = [LinearSpacing, QuadraticSpacing];

    /// <summary>
    /// The visited steps tau_1 &lt; ... &lt; tau_S = T, evenly spaced (tau_k = k T / S) or quadratically (tau_k = (k / S)^2 T),
    /// as in Song et al. 2021 (DDIM, Section 4.2 and Appendix D.2); with S = T every step. The sampler walks them from T
    /// down, then to t = 0. Quadratic spacing makes the last jump to t = 0 short (from t = 2 rather than 40 with S = 25 of
    /// T = 1000), which matters where a sample must be precise to a small fraction of the data's scale.
    /// </summary>
    public static int[] Visited(int timesteps, int steps, string spacing = LinearSpacing)
    {
        if (steps < 1 || steps > timesteps)
            throw ConfigKey.Error("sampler.steps", $"must be between 1 and model.timesteps ({timesteps}), got {steps}");
        Func<int, double> position = spacing switch
        {
            LinearSpacing => k => (double)k * timesteps / steps,
            QuadraticSpacing => k => Math.Pow((double)k / steps, 2) * timesteps,
            _ => throw ConfigKey.Error("sampler.spacing", $"must be one of {string.Join(", ", Spacings)}, got '{spacing}'"),
        };
        // Rounding may repeat a step where they crowd (quadratic, many steps): each is kept at least one past the last.
        var visited = new int[steps];
        for (var k = 1; k <= steps; k++)
            visited[k - 1] = Math.Max(k == 1 ? 1 : visited[k - 2] + 1, (int)Math.Round(position(k)));
        return visited;
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
