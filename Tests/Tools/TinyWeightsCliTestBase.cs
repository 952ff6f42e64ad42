using CineKernel.Pipeline.Weights;
using CineKernel.Tests.Pipeline.Cinemagraph;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary>A CLI test fixture with a tiny random weights folder (<see cref="TinyWeightsFolder"/>) made once for its tests.</summary>
public abstract class TinyWeightsCliTestBase : CliTestBase
{
    /// <summary>The generator's side of the tiny folder.</summary>
    protected const int G = TinyWeightsFolder.GeneratorSize;

    /// <summary>The folder, made before the fixture's first test and deleted after its last.</summary>
    protected string WeightsDir { get; private set; } = "";

    /// <summary>Which optional networks the folder holds besides the generator and the encoder.</summary>
    protected virtual PredictedInputs Networks => PredictedInputs.Mask | PredictedInputs.Motion;

    [OneTimeSetUp]
    public void CreateWeights() =>
        WeightsDir = TinyWeightsFolder.Create(Path.Combine(Path.GetTempPath(), "cinekernel-tests", $"{GetType().Name}-{Guid.NewGuid().ToString("N")[..8]}"), Networks);

    [OneTimeTearDown]
    public void DeleteWeights()
    {
        if (Directory.Exists(WeightsDir)) Directory.Delete(WeightsDir, recursive: true);
    }
}
