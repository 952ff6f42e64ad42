using CineKernel.Kernels;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Synthesis;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Weights;

/// <summary>
/// Reproducible random parameters of the right shapes for the networks, with values of the magnitudes the
/// original initialisers give, so that a random network's activations stay of order one: for benchmarks, the
/// self-test, <c>cinekernel random-weights</c> (a weights folder to time the full method without the release's
/// checkpoints) and tests. Values come from <see cref="Uniform"/> (xorshift32), the same on every machine and
/// .NET version, and fast enough for config-f's 145 M parameters (well under a second per 100 M).
/// </summary>
public static class RandomWeights
{
    /// <summary>
    /// <paramref name="count"/> values uniform in [−scale, scale) from xorshift32 seeded with
    /// <paramref name="seed"/> (any int; equal seeds give equal values).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static float[] Uniform(int count, int seed, float scale = 1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var data = new float[count];
        uint state = (uint)seed * 2654435761u | 1u;
        for (int i = 0; i < data.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            data[i] = ((state >> 8) * (2f / (1 << 24)) - 1f) * scale;
        }
        return data;
    }

    /// <summary>
    /// Every tensor of <see cref="GeneratorConfig.Parameters"/> (rosinality's state_dict names and shapes), as the
    /// original initialises them but with spread: stored weights with unit variance (the mapping layers' ÷ lr_mul
    /// too, so that the equalised scale brings them back), modulation biases near 1, noise strengths, activation
    /// and toRGB biases small, the blur and skip-upsampling kernels exactly make_kernel([1, 3, 3, 1]) × 4, the
    /// noise buffers and the constant input with unit variance. Each tensor's seed derives from
    /// <paramref name="seed"/> and its name, so a tensor does not change when the configuration adds others.
    /// </summary>
    public static Dictionary<string, TensorData> Generator(GeneratorConfig config, int seed)
    {
        var kernel = Upfirdn2d.SeparableKernel([1f, 3f, 3f, 1f], 4f);
        const float unitVariance = 1.7320508f; // √3: uniform in [−√3, √3) has variance 1
        var result = new Dictionary<string, TensorData>();
        foreach (var (name, shape) in config.Parameters())
        {
            int count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
            int tensorSeed = seed ^ StableHash(name);
            float[] data = name switch
            {
                _ when name.EndsWith(".kernel", StringComparison.Ordinal) => (float[])kernel.Clone(),
                _ when name.StartsWith("style.", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal) =>
                    Uniform(count, tensorSeed, unitVariance / config.MappingLrMul),
                _ when name.StartsWith("style.", StringComparison.Ordinal) => Uniform(count, tensorSeed, 0.1f / config.MappingLrMul),
                _ when name.EndsWith(".modulation.bias", StringComparison.Ordinal) => Shift(Uniform(count, tensorSeed, 0.2f), 1f),
                _ when name.EndsWith(".noise.weight", StringComparison.Ordinal) || name.EndsWith(".activate.bias", StringComparison.Ordinal)
                       || name.EndsWith(".bias", StringComparison.Ordinal) => Uniform(count, tensorSeed, 0.1f),
                _ => Uniform(count, tensorSeed, unitVariance),
            };
            result[name] = new TensorData(shape, data);
        }
        return result;
    }

    /// <summary>
    /// Every parameter of <see cref="FeatureStyleEncoderConfig.Parameters"/> (fs_encoder_v2's state_dict): convs and
    /// heads uniform with variance 1/fan_in, BatchNorm γ ∈ [0.5, 1.5), β and mean ∈ [−0.2, 0.2), var ∈ [0.5, 1.5),
    /// PReLU slopes ∈ [0.15, 0.35), head biases ∈ [−0.1, 0.1). Tensor k (in state_dict order) has seed
    /// <paramref name="seed"/> + k.
    /// </summary>
    public static Dictionary<string, TensorData> Encoder(FeatureStyleEncoderConfig config, int seed)
    {
        var result = new Dictionary<string, TensorData>();
        foreach (var (name, shape) in config.Parameters())
        {
            int count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
            var (offset, scale) = EncoderDistribution(name, shape, count);
            result[name] = new TensorData(shape, Shift(Uniform(count, seed++, scale), offset));
        }
        return result;
    }

    /// <summary>
    /// Every parameter of <see cref="MotionGeneratorConfig.Parameters"/> (pix2pixHD's GlobalGenerator state_dict):
    /// uniform in ±1/√fan_in, biases too (PyTorch's default conv initialisation). Tensor k has seed <paramref name="seed"/> + k.
    /// </summary>
    public static Dictionary<string, TensorData> Motion(MotionGeneratorConfig config, int seed)
    {
        var result = new Dictionary<string, TensorData>();
        foreach (var (name, shape) in config.Parameters())
        {
            long fanIn = shape.Length > 1 ? shape[1] * shape[2] * shape[3] : 1;
            int count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
            result[name] = new TensorData(shape, Uniform(count, seed++, (float)(1 / Math.Sqrt(fanIn))));
        }
        return result;
    }

    private static (float Offset, float Scale) EncoderDistribution(string name, long[] shape, int count)
    {
        if (shape.Length > 1) return (0f, MathF.Sqrt(3f / (count / shape[0])));
        if (name.StartsWith("styles.", StringComparison.Ordinal)) return (0f, 0.1f);
        if (name.EndsWith(".prelu.weight", StringComparison.Ordinal) || name is "conv.2.weight" or "content_layer.3.weight") return (0.25f, 0.1f);
        if (name.EndsWith(".weight", StringComparison.Ordinal) || name.EndsWith(".running_var", StringComparison.Ordinal)) return (1f, 0.5f);
        return (0f, 0.2f); // BatchNorm bias and running_mean
    }

    /// <summary>
    /// Every tensor of <see cref="MaskClassifierConfig.Parameters"/> (a DatasetGAN pixel classifier's state_dict,
    /// under <paramref name="prefix"/>: <c>layers.k.*</c> as saved alone, <c>classifier.m.layers.k.*</c> in an ensemble): linear weights uniform in ±0.3 (first) and ±0.5, biases in ±0.3, BatchNorm γ in ±1, β and
    /// means in ±0.2, variances in [0.6, 1.4). Linear j (0, 1, 2) has seeds <paramref name="seed"/> + 2j (weight) and
    /// + 2j + 1 (bias); both BatchNorms share seeds + 6 … + 9 (γ, β, mean, variance).
    /// </summary>
    public static Dictionary<string, TensorData> Classifier(MaskClassifierConfig config, int seed, string prefix = MaskClassifierConfig.Prefix)
    {
        var result = new Dictionary<string, TensorData>();
        foreach (var (name, shape) in config.Parameters(prefix))
        {
            int count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
            string[] parts = name[(prefix.Length + 1)..].Split('.'); // module index, field
            int linear = parts[0] switch { "0" => 0, "3" => 1, "6" => 2, _ => -1 };
            float[] data = (linear, parts[1]) switch
            {
                (-1, "weight") => Uniform(count, seed + 6, 1f),
                (-1, "bias") => Uniform(count, seed + 7, 0.2f),
                (-1, "running_mean") => Uniform(count, seed + 8, 0.2f),
                (-1, _) => Shift(Uniform(count, seed + 9, 0.4f), 1f),
                (_, "weight") => Uniform(count, seed + 2 * linear, linear == 0 ? 0.3f : 0.5f),
                _ => Uniform(count, seed + 2 * linear + 1, 0.3f),
            };
            result[name] = new TensorData(shape, data);
        }
        return result;
    }

    private static float[] Shift(float[] values, float offset)
    {
        if (offset != 0f)
            for (int i = 0; i < values.Length; i++) values[i] += offset;
        return values;
    }

    /// <summary>FNV-1a of the name: the same in every process (string.GetHashCode is randomised).</summary>
    private static int StableHash(string name)
    {
        uint h = 2166136261;
        foreach (char ch in name) h = (h ^ ch) * 16777619;
        return (int)(h & 0x7fffffff);
    }
}
