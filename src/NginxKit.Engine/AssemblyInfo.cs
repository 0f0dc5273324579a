// NginxKit manages Linux hosts: systemd, journald, nginx and Docker's Linux engine.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
