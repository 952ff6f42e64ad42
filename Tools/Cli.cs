namespace CineKernel.Tools;

/// <summary>The <c>cinekernel</c> command line: parses the verb and hands the rest to its command.</summary>
public static class Cli
{
    private const string Usage = """
        usage: cinekernel <command> [options]

        commands:
          animate INPUT -o OUT [--mask PNG] [--motion FILE] [--arrow x0,y0,x1,y1]... [--frames N] [--fps F] [--speed X]
                  [--loop seamless|official] [--size S] [--device D] [--preview DIR] [--overwrite] [--quiet]
                  [--weights DIR [--flow-net sky|fluid] [--style IMAGE]]
                                       render a looping cinemagraph (INPUT: an image, or a sample folder NAME/
                                       with NAME.png, NAME_mask.png, NAME_motion.npy); OUT: .gif, .mp4 or a
                                       folder of PNG frames; --motion: .npy, .npz (FILE.npz:NAME picks an
                                       array) or .flo, x then y in pixels per frame. With --weights: the full
                                       StyleCineGAN method (inversion, deep feature warping; the generator and
                                       encoder are enough with a given mask and motion, weights.md),
                                       without: the weight-free renderer
          convert CHECKPOINT... -o DIR
                                       convert PyTorch checkpoints of the original release (StyleGAN2 training
                                       checkpoint, DatasetGAN classifiers, pix2pixHD motion generator) to
                                       DIR/NAME.safetensors: float32, the tensors the engine needs, config in metadata
          devices                      list the accelerators ILGPU finds
          eval OP --inputs IN.safetensors --output OUT.safetensors [--n-frames N] [--indices LIST] [--weights FILE] [--device D]
                                       run one op or network on named tensors (ops: see 'cinekernel eval --list')
          inspect FILE                 list the tensors (names, dtypes, shapes) and metadata of a safetensors file,
                                       a .npy array or a PyTorch checkpoint
          selftest [--device D] [--quick]
                                       run every kernel family and each network at small sizes on the device and
                                       compare with the expectations built into the tool (from the original's
                                       fixtures and float64 references); exit 1 naming any check that fails
          random-weights DIR [--size S | --tiny] [--seed N] [--overwrite]
                                       write a weights folder (generator + encoder, the release's files) of random
                                       values, to run and time animate --weights without the checkpoints: config-f
                                       at S (default 1024), or --tiny (256², seconds on a CPU)
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                stdout.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            var rest = args[1..];
            return args[0] switch
            {
                "animate" => AnimateCommand.Run(rest, stdout, stderr),
                "convert" => ConvertCommand.Run(rest, stdout),
                "devices" => DevicesCommand.Run(rest, stdout),
                "eval" => EvalCommand.Run(rest, stdout),
                "inspect" => InspectCommand.Run(rest, stdout),
                "random-weights" => RandomWeightsCommand.Run(rest, stdout),
                "selftest" => SelftestCommand.Run(rest, stdout, stderr),
                "studio" => Studio.StudioCommand.Run(rest, stdout, stderr),
                _ => throw new CliException($"unknown command '{args[0]}' (run 'cinekernel --help')", 2),
            };
        }
        catch (CliException e)
        {
            stderr.WriteLine($"cinekernel: error: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException
                                      or ArgumentException or KeyNotFoundException or InvalidOperationException
                                      or FormatException or NotSupportedException)
        {
            stderr.WriteLine($"cinekernel: error: {OneLine(e.Message)}");
            return 1;
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");
}
