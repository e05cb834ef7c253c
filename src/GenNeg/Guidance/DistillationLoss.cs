using GenNeg.Diffusion;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// Distillation of a guided stack into one network (the paper's Eq. 12) in EDM's terms: on noised TRUE training data,
/// lambda(sigma) || D_teacher(x0 + sigma n; sigma) - D_student(x0 + sigma n; sigma) ||^2, with EDM's weighting lambda.
/// Since s = (D - x) / sigma^2, this is Eq. 12's score matching with gamma(sigma) = sigma^4 lambda(sigma).
/// </summary>
public sealed class DistillationLoss
{
    private readonly LogUniformNoise noise;
    private readonly EdmPreconditioning preconditioning;

    public DistillationLoss(LogUniformNoise noise, EdmPreconditioning preconditioning)
    {
        this.noise = noise;
        this.preconditioning = preconditioning;
    }

    /// <summary>The unreduced loss, [B, D].</summary>
    public Tensor Compute(IDenoiser teacher, IDenoiser student, Tensor x0, Generator generator)
    {
        using var scope = NewDisposeScope();
        var (sigma, noisy) = noise.Perturb(x0, generator);
        Tensor target;
        using (no_grad())
            target = teacher.Denoise(noisy, sigma).detach();
        var error = (student.Denoise(noisy, sigma) - target).square();
        return (preconditioning.LossWeight(sigma) * error).MoveToOuterDisposeScope();
    }
}
