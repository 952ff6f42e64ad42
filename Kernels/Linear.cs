using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// y = f(x·(W·weightScale)ᵀ + bias·biasScale), W stored Out×In as PyTorch does, with the activation f
/// fused into the epilogue (<see cref="LinearOptions"/>, or any <see cref="EpilogueArguments"/> but noise). Two layouts of x and y:
/// <list type="bullet">
/// <item><see cref="Forward(Tensor, Tensor, Tensor, LinearOptions, EpilogueArguments)"/>: rows of features (the mapping network, the encoder heads).</item>
/// <item><see cref="ForwardPerPixel(Tensor, Tensor, Tensor, LinearOptions, EpilogueArguments)"/>: NCHW feature maps, one row per pixel, features along C — a 1×1
/// conv; the per-pixel mask MLPs run on feature maps without transposing them.</item>
/// </list>
/// Thread mappings (<see cref="LinearMapping"/>), chosen by Auto as follows. On a GPU with few rows (a
/// latent, a batch of latents) the op is a matrix-vector product bound by reading W once, so one group
/// computes one output, its threads striding along the input features (coalesced) and summing in
/// shared memory; with many rows (pixels) it is a matrix product, tiled in shared memory (16 input
/// features deep), each thread accumulating a 4×4 block of outputs in registers so every value loaded
/// from shared memory feeds four multiply-adds. ILGPU's CPU accelerator emulates a group's threads
/// with OS threads, a barrier costs it about a millisecond and every scheduled group a fixed overhead,
/// so there a few threads compute the outputs one after another, each a plain dot product.
/// </summary>
public static class Linear
{
    /// <summary>Below this many rows Auto takes the group-per-output mapping on a GPU.</summary>
    internal const int GroupPerOutputMaxRows = 16;

    private const int TileDepth = 16;
    private const int PerThread = 4;
    private const int MaxTileSide = 16;
    private const int MaxTile = PerThread * MaxTileSide;

    /// <summary>
    /// Rows layout: <paramref name="input"/> holds rows of In contiguous features, In being its last
    /// dimension (rows×In as 1×1×rows×In, or rows×In×1×1); <paramref name="output"/> holds the same
    /// number of rows of Out features. <paramref name="weight"/> is Out×In (1×1×Out×In or Out×In×1×1),
    /// <paramref name="bias"/> Out values or null.
    /// </summary>
    public static void Forward(Tensor input, Tensor weight, Tensor? bias, Tensor output, LinearOptions options) =>
        Forward(input, weight, output, Plain(options), Epilogue(bias, options));

    /// <summary>
    /// Rows layout as above with any <paramref name="epilogue"/> but noise (<see cref="EpilogueArguments"/>: bias
    /// Out values, activation, scale, shift); <paramref name="options"/> then gives no activation and bias scale 1.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit, a noise plane, or the epilogue given twice.</exception>
    public static void Forward(Tensor input, Tensor weight, Tensor output, LinearOptions options, EpilogueArguments epilogue)
    {
        var (outFeatures, weightColumns) = WeightDims(weight);
        int inFeatures = FeatureDim(input);
        int rows = checked((int)(input.Length / inFeatures));
        int outputFeatures = FeatureDim(output);
        if (outputFeatures != outFeatures || output.Length != (long)rows * outFeatures)
            throw new ArgumentException(
                $"linear: output {output.Shape} should hold {rows} rows of {outFeatures} features (input {input.Shape}, weight {weight.Shape})");
        var p = Validate(input, weight, epilogue, options, rows, inFeatures, outFeatures, weightColumns) with
        {
            RowsPerImage = rows,
            XRowStride = inFeatures, XFeatureStride = 1,
            YRowStride = outFeatures, YFeatureStride = 1,
        };
        Launch(input, weight, output, options, p);
    }

    /// <summary>
    /// Per-pixel layout: <paramref name="input"/> is N×In×H×W, <paramref name="output"/> N×Out×H×W; each
    /// pixel's channel vector goes through the layer (a 1×1 convolution).
    /// </summary>
    public static void ForwardPerPixel(Tensor input, Tensor weight, Tensor? bias, Tensor output, LinearOptions options) =>
        ForwardPerPixel(input, weight, output, Plain(options), Epilogue(bias, options));

    /// <summary>
    /// Per-pixel layout as above with any <paramref name="epilogue"/> but noise (<see cref="EpilogueArguments"/>:
    /// bias Out values, activation, scale, shift); <paramref name="options"/> then gives no activation and bias scale 1.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit, a noise plane, or the epilogue given twice.</exception>
    public static void ForwardPerPixel(Tensor input, Tensor weight, Tensor output, LinearOptions options, EpilogueArguments epilogue)
    {
        var (outFeatures, weightColumns) = WeightDims(weight);
        if (output.N != input.N || output.H != input.H || output.W != input.W || output.C != outFeatures)
            throw new ArgumentException(
                $"linear per pixel: output {output.Shape} should be {input.N}×{outFeatures}×{input.H}×{input.W} (input {input.Shape}, weight {weight.Shape})");
        int plane = input.H * input.W;
        var p = Validate(input, weight, epilogue, options, checked(input.N * plane), input.C, outFeatures, weightColumns) with
        {
            RowsPerImage = plane,
            XImageStride = input.C * plane, XRowStride = 1, XFeatureStride = plane,
            YImageStride = outFeatures * plane, YRowStride = 1, YFeatureStride = plane,
        };
        Launch(input, weight, output, options, p);
    }

    /// <summary>The options' bias scale and activation as epilogue arguments.</summary>
    private static EpilogueArguments Epilogue(Tensor? bias, LinearOptions options) =>
        new() { Bias = bias, BiasScale = options.BiasScale, Activation = options.Activation };

    /// <summary>The options without the parts <see cref="Epilogue(Tensor?, LinearOptions)"/> took.</summary>
    private static LinearOptions Plain(LinearOptions options) =>
        options with { BiasScale = 1f, Activation = ActivationFunction.Identity };

    /// <summary>(Out, In) of a weight stored Out×In×1×1 or 1×1×Out×In.</summary>
    private static (int Out, int In) WeightDims(Tensor weight)
    {
        if (weight.H == 1 && weight.W == 1) return (weight.N, weight.C);
        if (weight.N == 1 && weight.C == 1) return (weight.H, weight.W);
        throw new ArgumentException($"linear: weight {weight.Shape} is not a matrix (expected Out×In×1×1 or 1×1×Out×In)");
    }

    /// <summary>The feature dimension of a rows-layout tensor: its last dimension, or C for N×C×1×1.</summary>
    private static int FeatureDim(Tensor t) => t.H == 1 && t.W == 1 ? t.C : t.W;

    private static GemmParams Validate(Tensor input, Tensor weight, EpilogueArguments epilogue, LinearOptions options,
        int rows, int inFeatures, int outFeatures, int weightColumns)
    {
        if (options.WeightColumnOffset is not { } offset ? inFeatures != weightColumns : offset < 0 || offset + inFeatures > weightColumns)
            throw new ArgumentException(
                $"linear: input {input.Shape} has {inFeatures} features but weight {weight.Shape} has {weightColumns} columns" +
                (options.WeightColumnOffset is { } o ? $" (slice from column {o})" : ""));
        if (epilogue.Bias is { } bias && bias.Length != outFeatures)
            throw new ArgumentException($"linear: bias {bias.Shape} should hold {outFeatures} values (weight {weight.Shape})");
        if (epilogue.Noise is not null) throw new ArgumentException("linear: a linear layer's epilogue takes no noise plane");
        if (options.Activation != ActivationFunction.Identity || options.BiasScale != 1f)
            throw new ArgumentException("linear: the activation and bias scale go in the epilogue arguments, not also in the options");
        ConvChecks.SameDevice("linear", input, epilogue.Bias, "bias");
        epilogue.ValidateConstants("linear");
        return new GemmParams
        {
            Rows = rows, In = inFeatures, Out = outFeatures, WeightRowStride = weightColumns,
            WeightScale = options.WeightScale, Store = epilogue.Terms(),
        };
    }

    private static void Launch(Tensor input, Tensor weight, Tensor output, LinearOptions options, GemmParams p)
    {
        var device = input.Device;
        var w = weight.View.SubView(options.WeightColumnOffset ?? 0);
        var mapping = options.Mapping != LinearMapping.Auto ? options.Mapping
            : device.Kind == DeviceKind.Cpu ? LinearMapping.ThreadPerOutput
            : p.Rows < GroupPerOutputMaxRows ? LinearMapping.GroupPerOutput
            : LinearMapping.Tiled;
        if (mapping == LinearMapping.ThreadPerOutput)
        {
            int outputs = checked(p.Rows * p.Out);
            int threads = GridStride.Threads(device, outputs);
            device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmParams>(ThreadPerOutputKernel)(
                threads, input.View, w, output.View, p with { Threads = threads });
            return;
        }
        if (mapping == LinearMapping.GroupPerOutput)
        {
            int group = GroupedKernels.ReductionGroupSize(device);
            GroupedKernels.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmParams>(device, GroupPerOutputKernel)(
                new KernelConfig(p.Rows * p.Out, group), input.View, w, output.View, p);
            return;
        }

        int side = TileSide(device);
        int tile = side * PerThread;
        int tilesOut = (p.Out + tile - 1) / tile;
        int tilesRows = (p.Rows + tile - 1) / tile;
        p = p with { TileSide = side, TilesOut = tilesOut };
        GroupedKernels.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmParams>(device, TiledKernel)(
            new KernelConfig(checked(tilesRows * tilesOut), side * side), input.View, w, output.View, p);
    }

    /// <summary>Threads per tile side: 16 (a 64×64 tile, 256 threads) where the device allows, else 8 or 4.</summary>
    private static int TileSide(ComputeDevice device)
    {
        int limit = device.Accelerator.MaxNumThreadsPerGroup;
        int side = MaxTileSide;
        while (side > 1 && side * side > limit) side /= 2;
        return side;
    }

    internal readonly record struct GemmParams
    {
        public int Rows { get; init; }
        public int In { get; init; }
        public int Out { get; init; }
        /// <summary>Rows per image: row m is pixel m % RowsPerImage of image m / RowsPerImage.</summary>
        public int RowsPerImage { get; init; }
        public int XImageStride { get; init; }
        public int XRowStride { get; init; }
        public int XFeatureStride { get; init; }
        public int YImageStride { get; init; }
        public int YRowStride { get; init; }
        public int YFeatureStride { get; init; }
        public int WeightRowStride { get; init; }
        public float WeightScale { get; init; }

        /// <summary>The epilogue (bias, activation, scale, shift) applied to every output as it is stored.</summary>
        public EpilogueTerms Store { get; init; }
        public int TileSide { get; init; }
        public int TilesOut { get; init; }
        /// <summary>Threads of the thread-per-output mapping; each strides over the outputs by this.</summary>
        public int Threads { get; init; }

        public int XIndex(int row, int feature) => XRowStart(row) + feature * XFeatureStride;

        public int XRowStart(int row) => row / RowsPerImage * XImageStride + row % RowsPerImage * XRowStride;

        public int YIndex(int row, int feature) =>
            row / RowsPerImage * YImageStride + row % RowsPerImage * YRowStride + feature * YFeatureStride;

        public float Epilogue(float dot, int row, int feature) =>
            Store.Apply(dot * WeightScale, row / RowsPerImage, feature, row % RowsPerImage, RowsPerImage, YIndex(row, feature));
    }

    /// <summary>Thread t computes outputs t, t + Threads, … (see <see cref="GridStride.Threads"/>).</summary>
    private static void ThreadPerOutputKernel(Index1D t, ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, GemmParams p)
    {
        for (int i = t; i < p.Rows * p.Out; i += p.Threads)
            ComputeOutput(i, x, w, y, p);
    }

    private static void ComputeOutput(int i, ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, GemmParams p)
    {
        int row = i / p.Out;
        int feature = i % p.Out;
        int weightRow = feature * p.WeightRowStride;
        int xRow = p.XRowStart(row);
        float sum = 0f;
        for (int k = 0; k < p.In; k++)
            sum += x[xRow + k * p.XFeatureStride] * w[weightRow + k];
        y[p.YIndex(row, feature)] = p.Epilogue(sum, row, feature);
    }

    /// <summary>One group per output (row, feature): threads stride along the input features.</summary>
    private static void GroupPerOutputKernel(ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, GemmParams p)
    {
        var scratch = SharedMemory.Allocate<float>(GroupedKernels.MaxGroupSize);
        int row = Grid.IdxX / p.Out;
        int feature = Grid.IdxX % p.Out;
        int weightRow = feature * p.WeightRowStride;
        int xRow = p.XRowStart(row);
        float sum = 0f;
        for (int k = Group.IdxX; k < p.In; k += Group.DimX)
            sum += x[xRow + k * p.XFeatureStride] * w[weightRow + k];
        float dot = GroupedKernels.GroupSum(sum, scratch);
        if (Group.IdxX == 0) y[p.YIndex(row, feature)] = p.Epilogue(dot, row, feature);
    }

    /// <summary>
    /// One group per tile of (4·side rows) × (4·side outputs). Thread (fast, slow) owns rows
    /// tm + i·side and outputs to + j·side (i, j &lt; 4): strided so that neighbouring threads read
    /// neighbouring shared-memory words and write neighbouring outputs; which of rows/outputs is the
    /// fast thread index follows the output layout (rows layout: outputs contiguous; per-pixel: rows).
    /// </summary>
    private static void TiledKernel(ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, GemmParams p)
    {
        var xTile = SharedMemory.Allocate<float>(TileDepth * MaxTile); // [k][row]
        var wTile = SharedMemory.Allocate<float>(TileDepth * MaxTile); // [k][output]
        int side = p.TileSide;
        int tile = side * PerThread;
        int tid = Group.IdxX;
        int row0 = Grid.IdxX / p.TilesOut * tile;
        int out0 = Grid.IdxX % p.TilesOut * tile;
        bool rowsFast = p.YRowStride == 1;
        int tm = rowsFast ? tid % side : tid / side;
        int to = rowsFast ? tid / side : tid % side;
        bool xRowsContiguous = p.XRowStride == 1;

        var block = new Block4x4();
        for (int k0 = 0; k0 < p.In; k0 += TileDepth)
        {
            for (int e = tid; e < tile * TileDepth; e += side * side)
            {
                // Consecutive threads load consecutive addresses: along rows in the per-pixel layout,
                // along features in the rows layout.
                int mm = xRowsContiguous ? e % tile : e / TileDepth;
                int kk = xRowsContiguous ? e / tile : e % TileDepth;
                int m = row0 + mm, k = k0 + kk;
                xTile[kk * tile + mm] = m < p.Rows && k < p.In ? x[p.XIndex(m, k)] : 0f;

                int oo = e / TileDepth, kw = e % TileDepth;
                int o = out0 + oo, kg = k0 + kw;
                wTile[kw * tile + oo] = o < p.Out && kg < p.In ? w[o * p.WeightRowStride + kg] : 0f;
            }
            Group.Barrier();

            block.MultiplyAdd(xTile, wTile, TileDepth, tile, side, tm, to);
            Group.Barrier();
        }

        for (int j = 0; j < PerThread; j++)
        {
            int o = out0 + to + j * side;
            if (o >= p.Out) break;
            for (int i = 0; i < PerThread; i++) StoreOutput(y, p, row0 + tm + i * side, o, block.Get(i, j));
        }
    }

    private static void StoreOutput(ArrayView<float> y, GemmParams p, int row, int feature, float dot)
    {
        if (row < p.Rows) y[p.YIndex(row, feature)] = p.Epilogue(dot, row, feature);
    }
}
