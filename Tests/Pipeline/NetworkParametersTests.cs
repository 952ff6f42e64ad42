using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

/// <summary>
/// The one way weights reach a network: a configuration's <see cref="ParameterList"/>, and
/// <see cref="NetworkParameters.Checked"/> before anything is read.
/// </summary>
public class NetworkParametersTests
{
    private static readonly ParameterList Declared = new ParameterList().Linear("fc", 2, 3).BatchNorm("bn", 2);

    private static Dictionary<string, TensorData> Tensors(ParameterList list) =>
        list.ToDictionary(p => p.Name, p => new TensorData(p.Shape, new float[p.Shape.Aggregate(1L, (a, b) => a * b)]));

    [Test]
    public void LayerHelpersDeclareTheTorchModulesTensors()
    {
        Assert.That(Declared.Select(p => p.Name),
            Is.EqualTo(new[] { "fc.weight", "fc.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var" }));
        Assert.That(Declared.ShapeOf("fc.weight"), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(new ParameterList().Conv2d("c", 4, 3, 7, bias: false).Single().Shape, Is.EqualTo(new long[] { 4, 3, 7, 7 }));
        Assert.That(() => new ParameterList().Add("a", 1).Add("a", 1), Throws.ArgumentException.With.Message.Contains("'a' is declared twice"));
    }

    [Test]
    public void CheckingNamesTheSourceTheTensorAndBothShapes()
    {
        var missing = Tensors(Declared);
        missing.Remove("bn.running_var");
        Assert.That(() => NetworkParameters.From(missing, "net.safetensors").Checked(Declared),
            Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo("net.safetensors: missing tensor 'bn.running_var'"));

        var misshapen = Tensors(Declared);
        misshapen["fc.weight"] = new TensorData([3, 2], new float[6]);
        Assert.That(() => NetworkParameters.From(misshapen, "net.safetensors").Checked(Declared),
            Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo("net.safetensors: tensor 'fc.weight' has shape [3, 2], expected [2, 3]"));
    }

    [Test]
    public void OnlyCheckedParametersAreReadAndOnlyTheDeclaredOnes()
    {
        var tensors = Tensors(Declared);
        tensors["latent_avg"] = new TensorData([4], new float[4]); // an extra tensor is ignored, as the loaders always did
        var source = NetworkParameters.From(tensors, "random");
        Assert.That(() => source.Read("fc.weight"), Throws.InvalidOperationException);
        var parameters = source.Checked(Declared);
        Assert.That(parameters.Read("fc.bias").Shape, Is.EqualTo(new long[] { 2 }));
        Assert.That(() => parameters.Read("latent_avg"), Throws.InvalidOperationException.With.Message.Contains("'latent_avg'"));
    }

    [Test]
    public void RandomWeightsFillExactlyEachNetworksList()
    {
        var generator = GeneratorConfig.ConfigF(size: 32, styleDim: 8, mappingLayers: 2, channelMultiplier: 1) with
        {
            Channels = new Dictionary<int, int> { [4] = 4, [8] = 4, [16] = 3, [32] = 2 },
        };
        var encoder = new FeatureStyleEncoderConfig(3, 4, [4, 5, 6, 7], [1, 2, 1, 1], 6, 8, 3, 8);
        var motion = new MotionGeneratorConfig(3, 2, 4, 2, 1);
        var classifier = new MaskClassifierConfig(10, 6, 4, 3);
        (ParameterList, Dictionary<string, TensorData>)[] networks =
        [
            (generator.Parameters(), RandomWeights.Generator(generator, 1)),
            (encoder.Parameters(), RandomWeights.Encoder(encoder, 1)),
            (motion.Parameters(), RandomWeights.Motion(motion, 1)),
            (classifier.Parameters(), RandomWeights.Classifier(classifier, 1)),
        ];
        foreach (var (list, tensors) in networks)
        {
            Assert.That(tensors.Keys, Is.EquivalentTo(list.Select(p => p.Name)));
            Assert.DoesNotThrow(() => NetworkParameters.From(tensors, "random").Checked(list));
        }
    }

    [Test]
    public void ClassifierWidthsComeFromTheStoredWeightsUnderAnyPrefix()
    {
        var config = new MaskClassifierConfig(10, 6, 4, 3);
        var ensemble = NetworkParameters.From(RandomWeights.Classifier(config, 5, MaskClassifier.Prefix(0)), "ensemble");
        Assert.That(MaskClassifierConfig.FromWeights(ensemble, MaskClassifier.Prefix(0), 10), Is.EqualTo(config));
        Assert.That(MaskClassifier.LoadEnsemble(ensemble, 10).Single().Config, Is.EqualTo(config));
        Assert.That(() => MaskClassifier.LoadEnsemble(ensemble, 11),
            Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo("ensemble: tensor 'classifier.0.layers.0.weight' has shape [6, 10], expected [6, 11]"));
    }
}
