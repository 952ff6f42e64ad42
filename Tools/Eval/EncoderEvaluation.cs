using CineKernel.Kernels;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval encoder</c>: the feature-style encoder (GAN inversion) on <c>in.image</c> (N×3×H×W in [−1, 1])
/// → <c>out.wplus</c> (N×Styles×StyleDim, the mean latent added) and <c>out.feature</c> (D). Parameters:
/// fs_encoder_v2's state_dict from --weights or the input file; the mean latent <c>latent_avg</c> from the
/// same file, else from the input file (the release keeps it apart, in sg2-lhq-1024-mean.pt).
/// </summary>
public sealed class EncoderEvaluation : IEvaluation
{
    public string Name => "encoder";

    public string Summary => "in.image → out.wplus, out.feature (fs_encoder_v2 state_dict and latent_avg from --weights or the inputs)";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        var image = context.Input("in.image");
        if (image.Shape.Length != 4)
            throw new CliException($"{context.Inputs.Path}: in.image must be N×3×H×W, got [{string.Join(", ", image.Shape)}]");
        NetworkParameters weights;
        try
        {
            weights = FeatureStyleEncoder.ReadParameters(context.Weights, $"{context.Weights.Path}: encoder weights");
        }
        catch (InvalidDataException e)
        {
            throw new CliException(e.Message);
        }
        var latent = context.Weights.Contains("latent_avg") ? context.Weights.Read("latent_avg")
            : context.Inputs.Contains("latent_avg") ? context.Inputs.Read("latent_avg")
            : throw new CliException($"{context.Weights.Path}: no 'latent_avg' here or in {context.Inputs.Path} (convert sg2-lhq-1024-mean.pt)");

        var shape = Shape4.FromDims(image.Shape);
        using var encoder = CreateEncoder(context, weights, latent.Data, shape);
        encoder.Run(image.Data);
        var w = encoder.WPlus;
        var d = encoder.Feature;
        return
        [
            KeyValuePair.Create("out.wplus", new TensorData([w.N, w.H, w.W], w.ToArray())),
            KeyValuePair.Create("out.feature", new TensorData([d.N, d.C, d.H, d.W], d.ToArray())),
        ];
    }

    private static FeatureStyleEncoder CreateEncoder(EvalContext context, NetworkParameters weights, float[] latent, Shape4 shape)
    {
        try
        {
            return new FeatureStyleEncoder(context.Device, weights, latent, shape);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new CliException($"{context.Inputs.Path}: {e.Message}");
        }
    }
}
