using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;
using CineKernel.Pipeline.Mask;

namespace CineKernel.Pipeline.Mask;

/// <summary>
/// The mask predictor (DESIGN.md "Mask predictor"; the original's make_sg2_features_fs and
/// predict_mask): the generator's features bilinearly resized to the output grid (align_corners=False;
/// the original's nn.Upsample factors 8, 4, 2, 1 and Interpolate(512) map indices exactly as a resize to
/// that size does), an ensemble of <see cref="MaskClassifier"/>s per pixel, then <see cref="MaskVote"/>
/// and <see cref="MaskRefinement"/> on the host.
/// </summary>
public static class MaskPredictor
{
    public static string FeatureInput(int source) => $"features.{source}";

    public static string LogitsOutput(int model) => $"logits.{model}";

    /// <summary>
    /// Inputs <see cref="FeatureInput"/> (1×C×S×S per source), outputs <see cref="LogitsOutput"/>
    /// (1×classes×out×out per model: class planes).
    /// </summary>
    public static ComputeGraph BuildGraph(MaskPredictorConfig config, IReadOnlyList<MaskClassifier> models, FirstLayerPlacement placement)
    {
        if (models.Count == 0) throw new ArgumentException("mask predictor: the ensemble is empty");
        foreach (var m in models)
            if (m.Config.InFeatures != config.TotalChannels)
                throw new ArgumentException($"mask predictor: a classifier reads {m.Config.InFeatures} features, the sources give {config.TotalChannels}");
        var g = new GraphBuilder($"mask predictor ({placement})");
        int size = config.OutputSize;
        var features = config.Sources.Select((s, i) => g.Input(FeatureInput(i), new Shape4(1, s.Channels, s.Size, s.Size))).ToList();
        Value ToGrid(Value x, string name) => x.Shape.H == size && x.Shape.W == size ? x : g.Apply(name, new ResizeOp(size, size, alignCorners: false), x);

        if (placement == FirstLayerPlacement.AfterConcat)
        {
            var all = g.Apply("concat", new ConcatChannelsOp(), features.Select((f, i) => ToGrid(f, $"resize.{i}")).ToArray());
            for (int m = 0; m < models.Count; m++) g.Output(LogitsOutput(m), models[m].Build(g, all, m, perPixel: true));
            return g.Build();
        }

        // Sources above the grid are resized once, for every model.
        var atGrid = features.Select((f, i) => config.Sources[i].Size >= size ? ToGrid(f, $"resize.{i}") : null).ToList();
        var coarseSizes = config.Sources.Select(s => s.Size).Where(s => s < size).Distinct().ToList();
        bool anyAtGrid = atGrid.Any(x => x is not null);
        for (int m = 0; m < models.Count; m++)
        {
            var model = models[m];
            var (weight, bias) = model.FirstLayer(g, m);
            bool biasAdded = false;
            Value Slice(Value x, int source)
            {
                // The bias rides with the first slice computed on the grid itself (a resize would only round
                // it); when every source is coarser than the grid, with the first slice (resizing a constant keeps it).
                bool withBias = !biasAdded && (x.Shape.H == size || !anyAtGrid);
                biasAdded |= withBias;
                var op = new LinearOp(LinearOptions.Plain with { WeightColumnOffset = config.ColumnOffset(source) }, perPixel: true);
                return withBias
                    ? g.Apply($"{MaskClassifier.Prefix(m)}.0[{source}]+b", op, x, weight, bias)
                    : g.Apply($"{MaskClassifier.Prefix(m)}.0[{source}]", op, x, weight);
            }

            var contributions = new List<Value>();
            for (int i = 0; i < atGrid.Count; i++)
                if (atGrid[i] is { } x) contributions.Add(Slice(x, i));
            foreach (int s in coarseSizes)
            {
                Value? sum = null;
                for (int i = 0; i < config.Sources.Count; i++)
                {
                    if (config.Sources[i].Size != s) continue;
                    var slice = Slice(features[i], i);
                    sum = sum is null ? slice : g.Apply($"{MaskClassifier.Prefix(m)}.0[@{s}]", new AddOp(), sum, slice);
                }
                contributions.Add(g.Apply($"{MaskClassifier.Prefix(m)}.0[@{s}]↑", new ResizeOp(size, size, alignCorners: false), sum!));
            }
            var first = contributions[0];
            foreach (var c in contributions.Skip(1)) first = g.Apply($"{MaskClassifier.Prefix(m)}.0", new AddOp(), first, c);
            g.Output(LogitsOutput(m), model.BuildAfterFirstLayer(g, first, m, perPixel: true));
        }
        return g.Build();
    }

    /// <summary>Multiply-adds ×2 of one model's first layer with the given placement (resizes not counted).</summary>
    public static double FirstLayerFlops(MaskPredictorConfig config, int hidden1, FirstLayerPlacement placement)
    {
        double grid = (double)config.OutputSize * config.OutputSize;
        return placement == FirstLayerPlacement.AfterConcat
            ? 2.0 * grid * config.TotalChannels * hidden1
            : config.Sources.Sum(s => 2.0 * Math.Min(grid, (double)s.Size * s.Size) * s.Channels * hidden1);
    }

    /// <summary>
    /// After a run of <paramref name="runner"/> (a <see cref="BuildGraph"/> graph): each model's argmax,
    /// the majority vote and the class selection (<see cref="MaskVote"/>), then, with <paramref name="refine"/>,
    /// the original's clean-up (<see cref="MaskRefinement.Refine"/>). 1 = animated.
    /// </summary>
    public static BinaryMask Mask(GraphRunner runner, int models, AnimatedClasses animated, bool refine = true)
    {
        var logits = Enumerable.Range(0, models).Select(m => runner.Output(LogitsOutput(m))).ToList();
        var shape = logits[0].Shape;
        if (shape.C != MaskVote.ClassCount)
            throw new ArgumentException($"mask predictor: the classifiers give {shape.C} classes, the vote expects {MaskVote.ClassCount}");
        var initial = MaskVote.InitialMask(logits.Select(t => t.ToArray()).ToList(), shape.W, shape.H, animated, LogitLayout.ClassPlanes);
        return refine ? MaskRefinement.Refine(initial) : initial;
    }
}
