using GenNeg.Configuration;

namespace GenNeg.Networks;

/// <summary>
/// The classifier heads (genneg.head): by_sample, one logit per sample (the paper's "by-scene"), trained on the
/// sample's label; by_element, one logit per element (the paper's "by-agent"), trained on each element's label. With
/// an oracle that labels whole samples the two are the same network. Guidance uses the gradient of the sum of the
/// log-sigmoids of all the logits either way.
/// </summary>
public static class ClassifierHead
{
    public const string BySample = "by_sample";
    public const string ByElement = "by_element";

    public static IReadOnlyList<string> Names { get; } = [BySample, ByElement];

    /// <summary>
    /// The backbone the classifiers are built with (genneg.classifier.backbone <paramref name="configured"/>) beside a
    /// denoiser of backbone <paramref name="denoiserBackbone"/>: auto takes the denoiser's, or the MLP when that is a
    /// TorchScript file, which gives no logits (a classifier file of its own is genneg.classifier.torchscript).
    /// </summary>
    public static string Backbone(string configured, string denoiserBackbone) => configured != ClassifierTrainConfig.AutoBackbone ? configured
        : denoiserBackbone == TorchScriptBackbone.BackboneName ? ResidualMlp.BackboneName : denoiserBackbone;

    public static BackboneOutput Output(string head) => head switch
    {
        BySample => BackboneOutput.PerSample,
        ByElement => BackboneOutput.PerElement,
        _ => throw ConfigKey.Error("genneg.head", $"must be one of {string.Join(", ", Names)}, got '{head}'"),
    };
}
