using GenNeg.Data;
using GenNeg.Diffusion;
using GenNeg.Formalisms;
using static TorchSharp.torch;

namespace GenNeg.Guidance;

/// <summary>
/// Distillation of a guided stack into one network (the paper's Eq. 12), on noised TRUE training data:
/// lambda(sigma) || D_teacher(x0 + sigma n; sigma) - D_student(x0 + sigma n; sigma) ||^2, with the formalism's sigma and
/// lambda. Since s = (D - x) / sigma^2, this is Eq. 12's score matching with gamma(sigma) = sigma^4 lambda(sigma); for DDPM
/// it is || eps'_teacher - eps_student ||^2, the teacher's guided epsilon as target.
/// </summary>
public sealed class DistillationLoss(IDiffusionFormalism formalism)
{
    /// <summary>The unreduced loss, [B, *S].</summary>
    public Tensor Compute(IDenoiser teacher, IDenoiser student, Tensor x0, Condition condition, Generator generator)
    {
        using var scope = NewDisposeScope();
        var (sigma, noisy) = Noising.Perturb(formalism, x0, generator);
        Tensor target;
        using (no_grad())
            target = teacher.Denoise(noisy, sigma, condition).detach();
        var error = (student.Denoise(noisy, sigma, condition) - target).square();
        return (PerSample.Broadcast(formalism.LossWeight(sigma), error) * error).MoveToOuterDisposeScope();
    }
}
