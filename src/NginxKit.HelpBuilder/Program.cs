using System.Text.Json;
using NginxKit.HelpBuilder;
using NginxKit.HelpBuilder.Commands;

// Usage:
//   NginxKit.HelpBuilder build --docs <dir> --commands <commands.json> --out <dir>
//   NginxKit.HelpBuilder pages --docs <dir>
const string Usage = "usage: NginxKit.HelpBuilder build --docs <dir> --commands <commands.json> --out <dir>\n" +
                     "       NginxKit.HelpBuilder pages --docs <dir>";

if (args.Length == 0 || args.Length % 2 == 0)
{
    return Fail(Usage, 2);
}
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i += 2)
{
    options[args[i]] = args[i + 1];
}
string? Option(string name) => options.GetValueOrDefault(name);

try
{
    switch (args[0])
    {
        case "build" when Option("--docs") is { } docs && Option("--commands") is { } commands && Option("--out") is { } output:
            var result = HelpBuild.Run(docs, ModuleFacts.Read(commands), output);
            foreach (var warning in result.Warnings)
            {
                Console.Error.WriteLine($"warning: {warning}");
            }
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"error: {error.Message}");
            }
            foreach (var path in result.Written)
            {
                Console.WriteLine(path);
            }
            return result.Errors.Count > 0 ? 1 : 0;
        case "pages" when Option("--docs") is { } docs:
            Console.WriteLine(PageReport.Create(docs));
            return 0;
        default:
            return Fail(Usage, 2);
    }
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or JsonException)
{
    return Fail($"error: {e.Message}", 1);
}

static int Fail(string message, int exitCode)
{
    Console.Error.WriteLine(message);
    return exitCode;
}
