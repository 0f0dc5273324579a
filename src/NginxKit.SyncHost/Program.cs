using System.Runtime.InteropServices;
using NginxKit.SyncHost;

// SIGTERM (the kubelet stopping the container) and Ctrl+C end a watch cleanly.
using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
return await SyncProgram.RunAsync(args, Console.Out, Console.Error, stop.Token);
