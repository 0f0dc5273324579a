using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace NginxKit.Engine.Tests.Systemd;

/// <summary>
/// systemd 252's own EnvironmentFile parser, as test oracles independent of NginxKit's code:
/// <list type="bullet">
/// <item>30-systemd-environment-d-generator reads environment.d with the same parser (merge_env_file),
/// and prints the variables shell-quoted. It expands $VAR, skips an assignment without a value, and
/// stops at a value that is not UTF-8, keeping what came before.</item>
/// <item>libsystemd-shared's load_env_file is the very function EnvironmentFile= uses: no expansion,
/// an empty value for KEY=, and nothing at all when one assignment is not UTF-8.</item>
/// </list>
/// </summary>
internal static class SystemdOracle
{
    public const string Generator = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator";

    public static bool GeneratorFound => File.Exists(Generator);

    /// <summary>The variables the generator prints for one file (with the system's own environment.d files).</summary>
    public static Dictionary<string, string> RunGenerator(byte[] file, string scratch) =>
        RunGeneratorOn(file.Length == 0 ? [] : [file], scratch) ?? [];

    /// <summary>
    /// The variables the generator prints for several files at once: they are read in order (file
    /// names sort as given), and a later file's variable replaces an earlier one of the same name.
    /// Null when the generator died (systemd 252's does on a value that is not UTF-8).
    /// </summary>
    public static Dictionary<string, string>? RunGeneratorOn(IReadOnlyList<byte[]> files, string scratch)
    {
        var dir = Path.Combine(scratch, "environment.d");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        for (int i = 0; i < files.Count; i++)
            File.WriteAllBytes(Path.Combine(dir, $"nginxkit-oracle-{i:D5}.conf"), files[i]);
        var psi = new ProcessStartInfo(Generator) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment.Clear();
        psi.Environment["XDG_CONFIG_HOME"] = scratch;
        using var p = Process.Start(psi)!;
        var output = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        _ = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        copy.Wait();
        if (p.ExitCode != 0) return null;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = line.IndexOf('=');
            result[line[..eq]] = Unquote(line[(eq + 1)..]);
        }
        return result;
    }

    // shell_maybe_quote: plain, or "..." with \ before " \ ` $, \n \t, and octal \NNN for other control characters.
    private static string Unquote(string text)
    {
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"') return text;
        var sb = new StringBuilder();
        for (int i = 1; i < text.Length - 1; i++)
        {
            if (text[i] != '\\') { sb.Append(text[i]); continue; }
            var c = text[++i];
            switch (c)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case 'x': sb.Append((char)Convert.ToInt32(text.Substring(i + 1, 2), 16)); i += 2; break;
                case >= '0' and <= '7': sb.Append((char)Convert.ToInt32(text.Substring(i, 3), 8)); i += 2; break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    // ---- libsystemd-shared: load_env_file, the parser behind EnvironmentFile= ----

    private static readonly Lazy<IntPtr> Shared = new(() =>
    {
        var lib = Directory.GetDirectories("/usr/lib").Append("/usr/lib")
            .SelectMany(d => Directory.Exists(Path.Combine(d, "systemd")) ? Directory.GetFiles(Path.Combine(d, "systemd"), "libsystemd-shared-*.so") : [])
            .FirstOrDefault();
        return lib is null ? IntPtr.Zero : NativeLibrary.Load(lib);
    });

    public static bool SharedFound => Shared.Value != IntPtr.Zero;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int LoadEnvFileFn(IntPtr f, [MarshalAs(UnmanagedType.LPUTF8Str)] string fname, out IntPtr ret);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr StrvFree(IntPtr l);

    /// <summary>What EnvironmentFile= gives for a file: load_env_file, then exec's filter of invalid names.</summary>
    public static Dictionary<string, string> LoadEnvFile(string path)
    {
        var load = Marshal.GetDelegateForFunctionPointer<LoadEnvFileFn>(NativeLibrary.GetExport(Shared.Value, "load_env_file"));
        var free = Marshal.GetDelegateForFunctionPointer<StrvFree>(NativeLibrary.GetExport(Shared.Value, "strv_free"));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (load(IntPtr.Zero, path, out var strv) < 0) return result; // the whole file is ignored
        try
        {
            for (int i = 0; strv != IntPtr.Zero; i++)
            {
                var entry = Marshal.ReadIntPtr(strv, i * IntPtr.Size);
                if (entry == IntPtr.Zero) break;
                var text = Marshal.PtrToStringUTF8(entry)!;
                var eq = text.IndexOf('=');
                var name = text[..eq];
                // strv_env_clean in exec_context_load_environment drops names env_name_is_valid refuses.
                if (name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                    result[name] = text[(eq + 1)..];
            }
        }
        finally
        {
            if (strv != IntPtr.Zero) free(strv);
        }
        return result;
    }
}
