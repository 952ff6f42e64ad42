namespace CineKernel.WeightsLoader;

/// <summary>The float32 tensors a checkpoint converts to, in state_dict order, and the metadata that describes them.</summary>
public sealed record ConvertedCheckpoint(
    string Kind, IReadOnlyList<KeyValuePair<string, TensorData>> Tensors, IReadOnlyDictionary<string, string> Metadata);
