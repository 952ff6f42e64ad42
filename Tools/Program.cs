using System.Runtime.InteropServices;
using CineKernel.Tools;

// Ctrl-C (SIGINT) or SIGTERM: stop ffmpeg, delete every unfinished output, and exit 128 + the signal's number
// (130, 143), as a shell reports a process the signal ended. The default action would leave the hidden .partial
// files and ffmpeg behind.
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupts.Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupts.Stop);
return Cli.Run(args, Console.Out, Console.Error);
