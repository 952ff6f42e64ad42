using CineKernel.Tools;

return Cli.Run(args, Console.Out, Console.Error);
