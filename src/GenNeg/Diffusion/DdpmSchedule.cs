using GenNeg.Data;
using static TorchSharp.torch;

namespace GenNeg.Diffusion;

/// <summary>
/// DDPM's discrete forward process, q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) for t = 1..T
/// (Ho et al. 2020, Eq. 4), with a linear (Ho et al.) or cosine (Nichol &amp; Dhariwal 2021, Eq. 17) beta schedule.
/// Arrays are indexed by t, with t = 0 the clean data (abar_0 = 1).
/// On the shared seam step t is the noise level sigma_t = sqrt((1 - abar_t) / abar_t) of x_t / sqrt(abar_t)
/// (Karras et al. 2022, Table 1).
/// </summary>
public sealed class DdpmSchedule
{
    /// <summary>Nichol &amp; Dhariwal's cap on beta_t, which keeps the cosine schedule's last steps finite.</summary>
    public const double MaxBeta = 0.999;

    private readonly double[] betas;
    private readonly double[] alphaBars;
    /// <summary>sigma_t and ln sigma_t for t = 1..T, read on every denoiser call (noise condition, training draws).</summary>
    private readonly double[] sigmas;
    private readonly double[] logSigmas;

    private DdpmSchedule(string kind, double[] betas)
    {
        Kind = kind;
        this.betas = betas;
        alphaBars = new double[betas.Length];
        alphaBars[0] = 1;
        for (var t = 1; t < betas.Length; t++) alphaBars[t] = alphaBars[t - 1] * (1 - betas[t]);
        sigmas = Enumerable.Range(1, Timesteps).Select(Sigma).ToArray();
        logSigmas = sigmas.Select(s => Math.Log(s)).ToArray();
    }

    public string Kind { get; }

    public int Timesteps => betas.Length - 1;

    /// <summary>The beta schedules model.schedule names.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["linear", "cosine"];

    /// <summary>Ho et al.'s schedule: beta_t rises linearly from betaStart (t = 1) to betaEnd (t = T).</summary>
    public static DdpmSchedule Linear(int timesteps, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        var betas = new double[timesteps + 1];
        for (var t = 1; t <= timesteps; t++)
            betas[t] = timesteps == 1 ? betaStart : betaStart + (betaEnd - betaStart) * (t - 1) / (timesteps - 1);
        return new DdpmSchedule("linear", betas);
    }

    /// <summary>
    /// Nichol &amp; Dhariwal's schedule: abar_t = f(t) / f(0), f(t) = cos^2(((t / T) + s) / (1 + s) * pi / 2), s = 0.008,
    /// taken through beta_t = min(1 - abar_t / abar_{t-1}, 0.999).
    /// </summary>
    public static DdpmSchedule Cosine(int timesteps, double offset = 0.008)
    {
        double F(int t) => Math.Pow(Math.Cos(((double)t / timesteps + offset) / (1 + offset) * Math.PI / 2), 2);
        var betas = new double[timesteps + 1];
        for (var t = 1; t <= timesteps; t++) betas[t] = Math.Min(1 - F(t) / F(t - 1), MaxBeta);
        return new DdpmSchedule("cosine", betas);
    }

    public static DdpmSchedule Create(string kind, int timesteps, double betaStart, double betaEnd) => kind switch
    {
        "linear" => Linear(timesteps, betaStart, betaEnd),
        "cosine" => Cosine(timesteps),
        _ => throw Configuration.ConfigKey.Error("model.schedule", $"must be one of {string.Join(", ", Kinds)}, got '{kind}'"),
    };

    public double Beta(int t) => betas[t];

    public double AlphaBar(int t) => alphaBars[t];

    /// <summary>sigma_t = sqrt((1 - abar_t) / abar_t); sigma_0 = 0.</summary>
    public double Sigma(int t) => Math.Sqrt((1 - alphaBars[t]) / alphaBars[t]);

    /// <summary>Variance of q(x_{t-1} | x_t, x_0): beta~_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t (Ho et al., Eq. 7).</summary>
    public double PosteriorVariance(int t) => (1 - alphaBars[t - 1]) / (1 - alphaBars[t]) * betas[t];

    /// <summary>sigma_t for t = 1..T as a tensor, [T], on <paramref name="device"/> (default the CPU).</summary>
    public Tensor SigmaTable(Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        tensor(sigmas, device: device).to(dtype);

    /// <summary>
    /// The (continuous) step t at which the process reaches noise level sigma, [B]: exact on the schedule's own levels,
    /// linear in ln(sigma) between them (and beyond them), so off-grid levels such as a clean-data sigma still get a label.
    /// </summary>
    public Tensor TimestepOf(Tensor sigma)
    {
        using var scope = NewDisposeScope();
        var logTable = tensor(logSigmas, device: sigma.device);
        var logSigma = sigma.to(ScalarType.Float64).log().contiguous();
        // The table's entries below each level (what searchsorted counts; written as a comparison so it runs on every device).
        var upper = logTable.lt(logSigma.unsqueeze(-1)).sum(-1).clamp(1, Math.Max(1, Timesteps - 1));
        var low = logTable.Rows(upper - 1);
        var high = logTable.Rows(upper);
        var fraction = (logSigma - low) / (high - low);
        return (upper.to(ScalarType.Float64) + fraction).to(sigma.dtype).MoveToOuterDisposeScope();
    }
}
