namespace NginxKit.Engine.Nginx.Routing;

/// <summary>One listen directive of a server: the port a request arrives on, and whether this server is its default.</summary>
public sealed record ServedListen(string Address, int Port, bool DefaultServer, bool Ssl);
