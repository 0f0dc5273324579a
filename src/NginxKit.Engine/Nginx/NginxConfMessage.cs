using System.Globalization;
using System.Text.RegularExpressions;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.IO;

namespace NginxKit.Engine.Nginx;

/// <summary>One line nginx printed about a config, with its place when nginx named one.</summary>
public sealed record NginxConfMessage(string Level, string Message, string? File, int? Line);
