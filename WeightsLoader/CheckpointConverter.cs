using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using CineKernel.WeightsLoader.Torch;

namespace CineKernel.WeightsLoader;

/// <summary>
/// Turns a PyTorch checkpoint of the original release into the float32 safetensors the engine loads:
/// <list type="bullet">
/// <item>a StyleGAN2 training checkpoint (rosinality <c>train.py</c> layout) gives <c>g_ema</c> and <c>latent_avg</c>;
///   the generator <c>g</c>, the discriminator, optimiser state and the argparse record are left behind
///   (the record's scalars go into the metadata as <c>args</c>);</item>
/// <item>a checkpoint dict with <c>model_state_dict</c> or <c>state_dict</c> gives that dict;</item>
/// <item>otherwise the top-level dict is the state_dict;</item>
/// <item>a file holding a single tensor (the release's mean latent) gives that tensor.</item>
/// </list>
/// DataParallel <c>module.</c> prefixes are stripped, integer <c>num_batches_tracked</c> counters dropped,
/// float16/bfloat16/float64 storages converted to float32. <c>__metadata__</c> says where the tensors came from
/// (<c>source</c>), what network they are (<c>kind</c>) and the configuration the shapes imply.
/// </summary>
public static class CheckpointConverter
{
    private const string ModulePrefix = "module.";

    /// <summary>Reads the checkpoint and selects and converts its tensors (see the class summary).</summary>
    /// <exception cref="InvalidDataException">Any error of <see cref="TorchCheckpoint.Open"/> or of reading a tensor, or a checkpoint that holds no float tensors, naming the file.</exception>
    public static ConvertedCheckpoint Convert(string path)
    {
        using var checkpoint = TorchCheckpoint.Open(path);
        string file = System.IO.Path.GetFileName(path);
        if (checkpoint.Root is TorchTensor lone) return ConvertLoneTensor(path, file, lone);
        if (checkpoint.Root is not PyDict root)
            throw new InvalidDataException($"{path}: the checkpoint holds {PyTypes.A(checkpoint.Root)}, not a dict of tensors");

        var selected = new List<(string Name, TorchTensor Tensor)>();
        string? selection;
        if (root.Get("g_ema") is { } gEma)
        {
            selected.AddRange(StateDict(path, "g_ema", gEma));
            selection = "g_ema";
            if (root.Get("latent_avg") is TorchTensor latentAvg)
            {
                selected.Add(("latent_avg", latentAvg));
                selection += " + latent_avg";
            }
        }
        else if (root.Get("model_state_dict") is { } modelStateDict)
        {
            selected.AddRange(StateDict(path, "model_state_dict", modelStateDict));
            selection = "model_state_dict";
        }
        else if (root.Get("state_dict") is { } stateDict)
        {
            selected.AddRange(StateDict(path, "state_dict", stateDict));
            selection = "state_dict";
        }
        else
        {
            selected.AddRange(StateDict(path, null, root));
            selection = null;
        }
        if (selected.Count == 0) throw new InvalidDataException($"{path}: the checkpoint holds no tensors");

        // DataParallel saves every parameter as module.NAME; strip it only when all names carry it,
        // so that a real submodule called 'module' keeps its name.
        bool stripped = selected.All(t => t.Name.StartsWith(ModulePrefix, StringComparison.Ordinal));
        if (stripped) selected = selected.Select(t => (t.Name[ModulePrefix.Length..], t.Tensor)).ToList();

        var tensors = new List<KeyValuePair<string, TensorData>>();
        var names = new HashSet<string>();
        var storedTypes = new List<ElementType>(); // distinct, in order of appearance
        bool droppedCounters = false;
        foreach (var (name, tensor) in selected)
        {
            if (!tensor.Type.IsFloat())
            {
                // BatchNorm's step counter: an int64 the forward pass in eval mode never reads.
                if (name == "num_batches_tracked" || name.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
                {
                    droppedCounters = true;
                    continue;
                }
                throw new InvalidDataException($"{path}: tensor {Printable.Quote(name)} has dtype {tensor.Type.TorchName()}; only floating tensors convert to float32");
            }
            if (!names.Add(name)) throw new InvalidDataException($"{path}: two tensors are named {Printable.Quote(name)}");
            if (!storedTypes.Contains(tensor.Type)) storedTypes.Add(tensor.Type);
            tensors.Add(new(name, Read(path, $"tensor {Printable.Quote(name)}", tensor)));
        }

        var clauses = new List<string>();
        if (selection is not null) clauses.Add(stripped ? $"{selection} without '{ModulePrefix}'" : selection);
        else if (stripped) clauses.Add($"'{ModulePrefix}' prefixes stripped");
        if (droppedCounters) clauses.Add("num_batches_tracked dropped");
        string source = file + (clauses.Count > 0 ? ": " + string.Join("; ", clauses) : "")
                        + (storedTypes.Any(t => t != ElementType.F32) ? $" (stored as {string.Join(" and ", storedTypes.Select(t => t.TorchName()))})" : "");

        var byName = tensors.ToDictionary(t => t.Key, t => t.Value);
        string kind;
        List<KeyValuePair<string, string>> config;
        try
        {
            (kind, config) = Describe(byName);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
        var metadata = new Dictionary<string, string> { ["source"] = source, ["kind"] = kind };
        foreach (var (k, v) in config) metadata[k] = v;
        if (root.Get("args") is PyRecord args && ArgsJson(args) is { } json) metadata["args"] = json;
        return new ConvertedCheckpoint(kind, tensors, metadata);
    }

    /// <summary>
    /// A file holding one tensor: in the release, the generator's mean latent saved on its own
    /// (<c>sg2-lhq-1024-mean.pt</c>, read by the encoder as <c>dlatent_avg</c>). A vector or a single row is
    /// named <c>latent_avg</c>, as in a generator file; anything else keeps the neutral name <c>tensor</c>.
    /// </summary>
    private static ConvertedCheckpoint ConvertLoneTensor(string path, string file, TorchTensor tensor)
    {
        if (!tensor.Type.IsFloat())
            throw new InvalidDataException($"{path}: the checkpoint's tensor has dtype {tensor.Type.TorchName()}; only floating tensors convert to float32");
        bool latent = tensor.Shape.Length == 1 || tensor.Shape is [1, _];
        string name = latent ? "latent_avg" : "tensor";
        var data = Read(path, "the checkpoint's tensor", tensor);
        string stored = tensor.Type == ElementType.F32 ? "" : $" (stored as {tensor.Type.TorchName()})";
        var metadata = new Dictionary<string, string>
        {
            ["source"] = $"{file}: a single tensor{stored}",
            ["kind"] = latent ? "mean-latent" : "unknown",
        };
        return new ConvertedCheckpoint(metadata["kind"], [new(name, data)], metadata);
    }

    /// <summary>The tensor's float32 values; a failure names the file and the tensor once.</summary>
    private static TensorData Read(string path, string label, TorchTensor tensor)
    {
        try
        {
            return tensor.ToTensorData();
        }
        catch (InvalidDataException e)
        {
            // Storage errors already name the file; dtype and size errors do not.
            string detail = e.Message.StartsWith(path + ": ", StringComparison.Ordinal) ? e.Message[(path.Length + 2)..] : e.Message;
            throw new InvalidDataException($"{path}: {label}: {detail}");
        }
    }

    private static IEnumerable<(string, TorchTensor)> StateDict(string path, string? key, object? value)
    {
        string where = key is null ? "the checkpoint" : $"{Printable.Quote(key)}";
        if (value is not PyDict dict) throw new InvalidDataException($"{path}: {where} is {PyTypes.A(value)}, not a state_dict");
        var result = new List<(string, TorchTensor)>();
        foreach (var (k, v) in dict)
        {
            if (k is not string name) throw new InvalidDataException($"{path}: {where} has a key {PyTypes.Repr(k)} that is not a string");
            if (v is not TorchTensor tensor)
                throw new InvalidDataException(key is null
                    ? $"{path}: entry {Printable.Quote(name)} is {PyTypes.A(v)}, not a tensor (known layouts: a state_dict, or a dict with g_ema, model_state_dict or state_dict)"
                    : $"{path}: {where} entry {Printable.Quote(name)} is {PyTypes.A(v)}, not a tensor");
            result.Add((name, tensor));
        }
        return result;
    }

    /// <summary>The scalar fields of an argparse record as JSON (the training configuration, for the record).</summary>
    private static string? ArgsJson(PyRecord args)
    {
        var scalars = new Dictionary<string, object?>();
        foreach (var (k, v) in args.Fields)
            if (v is null or bool or long or double or string) scalars[k] = v;
        return scalars.Count == 0 ? null
            : JsonSerializer.Serialize(scalars, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    // ---- recognising the networks of the release, and their configuration ----

    private static (string Kind, List<KeyValuePair<string, string>> Config) Describe(Dictionary<string, TensorData> t)
    {
        if (t.ContainsKey("style.1.weight") && t.ContainsKey("conv1.conv.weight") && t.ContainsKey("to_rgb1.conv.weight"))
            return ("stylegan2-generator", GeneratorConfig(t));
        if (t.Keys.All(k => k.StartsWith("layers.", StringComparison.Ordinal)) && LayerWeights(t, "layers").Any(w => w.Value.Shape.Length == 2))
            return ("pixel-classifier", ClassifierConfig(t));
        if (t.TryGetValue("model.1.weight", out var first) && first.Shape.Length == 4 && ResidualBlocks(t).Count > 0)
            return ("pix2pixhd-global-generator", GlobalGeneratorConfig(t));
        return ("unknown", []);
    }

    /// <summary>
    /// models/stylegan2/model.py Generator: style.{1..n_mlp} are the mapping layers, to_rgb1 plus one
    /// to_rgbs.i per resolution 8…size, conv weights shaped (1, out, in, k, k).
    /// </summary>
    private static List<KeyValuePair<string, string>> GeneratorConfig(Dictionary<string, TensorData> t)
    {
        int nMlp = 0;
        while (t.ContainsKey($"style.{nMlp + 1}.weight")) nMlp++;
        int upsamplings = 0;
        while (t.ContainsKey($"to_rgbs.{upsamplings}.conv.weight")) upsamplings++;
        if (upsamplings > 16) throw new InvalidDataException($"generator has {upsamplings} to_rgbs, more than any real one");
        var channels = new List<string> { $"\"4\": {t["conv1.conv.weight"].Shape[1]}" };
        for (int i = 0; i < upsamplings; i++)
        {
            if (!t.TryGetValue($"convs.{2 * i}.conv.weight", out var conv))
                throw new InvalidDataException($"generator has to_rgbs.{i} but no convs.{2 * i}.conv.weight");
            channels.Add($"\"{8 << i}\": {conv.Shape[1]}");
        }
        return
        [
            new("size", (4 << upsamplings).ToString()),
            new("style_dim", t["style.1.weight"].Shape[1].ToString()),
            new("n_mlp", nMlp.ToString()),
            // The same spelling as the fixtures' metadata: a JSON object of resolution → channels.
            new("channels", "{" + string.Join(", ", channels) + "}"),
            // Not stored in checkpoints: the Generator's default, which the release's train.py never changes.
            new("lr_mlp", "0.01"),
        ];
    }

    /// <summary>models/DatasetGAN/classifier.py pixel_classifier: Linear layers (2-D weights) between ReLU and BatchNorm1d.</summary>
    private static List<KeyValuePair<string, string>> ClassifierConfig(Dictionary<string, TensorData> t)
    {
        var linears = LayerWeights(t, "layers").Where(w => w.Value.Shape.Length == 2).ToList();
        return
        [
            new("numpy_class", linears[^1].Value.Shape[0].ToString()),
            new("dim", linears[0].Value.Shape[1].ToString()),
        ];
    }

    /// <summary>
    /// models/img2flow/networks.py GlobalGenerator: model.1 is the 7×7 input conv (ngf), then the strided
    /// downsampling convs, the residual blocks (model.K.conv_block.*), the upsampling convs and the
    /// 7×7 output conv; instance norm has no parameters, batch norm would bring running statistics.
    /// </summary>
    private static List<KeyValuePair<string, string>> GlobalGeneratorConfig(Dictionary<string, TensorData> t)
    {
        var convs = LayerWeights(t, "model").Where(w => w.Value.Shape.Length == 4).ToList();
        var blocks = ResidualBlocks(t);
        int firstBlock = blocks[0];
        var first = t["model.1.weight"];
        return
        [
            new("input_nc", first.Shape[1].ToString()),
            new("output_nc", convs[^1].Value.Shape[0].ToString()),
            new("ngf", first.Shape[0].ToString()),
            new("n_downsampling", (convs.Count(c => c.Key < firstBlock) - 1).ToString()),
            new("n_blocks", blocks.Count.ToString()),
            new("norm", t.Keys.Any(k => k.EndsWith(".running_mean", StringComparison.Ordinal)) ? "batch" : "instance"),
        ];
    }

    /// <summary>The indices K of model.K.conv_block.* (ResnetBlock), ascending.</summary>
    private static List<int> ResidualBlocks(Dictionary<string, TensorData> t) =>
        t.Keys.Select(k => Regex.Match(k, @"^model\.(\d{1,9})\.conv_block\.")).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value)).Distinct().Order().ToList();

    /// <summary>PREFIX.K.weight tensors, ordered by the layer index K.</summary>
    private static IEnumerable<KeyValuePair<int, TensorData>> LayerWeights(Dictionary<string, TensorData> t, string prefix) =>
        t.Select(p => (Match: Regex.Match(p.Key, $@"^{prefix}\.(\d{{1,9}})\.weight$"), p.Value))
            .Where(x => x.Match.Success)
            .Select(x => new KeyValuePair<int, TensorData>(int.Parse(x.Match.Groups[1].Value), x.Value))
            .OrderBy(x => x.Key);
}
