using CineKernel.Kernels;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Weights;
using CineKernel.Tools.Eval;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// The mask predictor's DatasetGAN classifiers (MaskClassifier, BatchNorms folded into the next Linear) as
/// <c>eval mask-mlp</c> runs them: an ensemble of 3 random models (40 → 8 → 4 → 3) on 24 rows; the logits of every
/// model in turn. Tolerance 1e-5 as MaskPredictorTests.
/// </summary>
internal sealed class MaskMlpCheck() : SelfTestCheck("network/mask-mlp-ensemble", "network", 1e-5, false)
{
    public const int Seed = 1700, Models = 3, Rows = 24, In = 40, Hidden1 = 8, Hidden2 = 4;

    /// <summary>Every model's widths: In → Hidden1 → Hidden2 → 3 classes.</summary>
    public static MaskClassifierConfig ModelConfig { get; } = new(In, Hidden1, Hidden2, MaskVote.ClassCount);

    /// <summary>Model m's state_dict (names layers.k.*).</summary>
    public static Dictionary<string, TensorData> Model(int m) => RandomWeights.Classifier(ModelConfig, Seed + 20 * m);

    public float[] Features => RandomWeights.Uniform(Rows * In, Seed - 1);

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        var tensors = Enumerable.Range(0, Models).SelectMany(m => RandomWeights.Classifier(ModelConfig, Seed + 20 * m, MaskClassifier.Prefix(m))).ToDictionary();
        var models = MaskClassifier.LoadEnsemble(NetworkParameters.From(tensors, "random"), In);
        return MaskMlpEvaluation.Logits(device, models, Features, Rows, In).SelectMany(l => l).ToArray();
    }
}
