// nginxkit-sync runs beside nginx on Linux: in a pod or on a host.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
