using System.Text;
using System.Text.Json.Nodes;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Docker;
using Xunit;

namespace NginxKit.Engine.Tests.Docker;

/// <summary>daemon.json edited in place: only the members that change, change; every other byte stays.</summary>
public sealed class DaemonJsonEditTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("nginxkit-daemonjson-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static string Edit(string text, params (string Key, JsonNode? Value)[] changes) =>
        Encoding.UTF8.GetString(DockerDaemonConfig.Edit(Encoding.UTF8.GetBytes(text), changes.ToDictionary(c => c.Key, c => c.Value), "daemon.json"));

    private static JsonArray List(params string[] values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    // A hand-written file: CRLF, tabs, a key order no serializer would pick, escapes, number forms, spacing.
    private const string HandWritten =
        "{\r\n" +
        "\t\"log-level\" :  \"warn\",\r\n" +
        "\t\"dns\": [\"1.1.1.1\",\"8.8.8.8\"],  \r\n" +
        "\t\"labels\": [\"caf\\u00e9\", \"r\u00e9gion=\u20ac\"],\r\n" +
        "\t\"max-concurrent-downloads\": 3.0e0,\r\n" +
        "\t\"log-opts\": {\r\n" +
        "\t\t\"max-size\": \"10m\",\r\n" +
        "\t\t\"max-file\":\"3\"\r\n" +
        "\t},\r\n" +
        "\t\"debug\": false\r\n" +
        "}\r\n\r\n";

    [Fact]
    public void ChangingOneKeyKeepsEveryOtherByte()
    {
        var edited = Edit(HandWritten, ("dns", List("9.9.9.9")));
        Assert.Equal(HandWritten.Replace("[\"1.1.1.1\",\"8.8.8.8\"]", "[\"9.9.9.9\"]"), edited);
    }

    [Fact]
    public void ANestedChangeKeepsTheOtherMembersOfItsObject()
    {
        var opts = new JsonObject { ["max-size"] = "20m", ["max-file"] = "3" };
        Assert.Equal(HandWritten.Replace("\"max-size\": \"10m\"", "\"max-size\": \"20m\""), Edit(HandWritten, ("log-opts", opts)));
    }

    [Fact]
    public void RemovingAKeyTakesItsLineAndSeparatorOnly()
    {
        Assert.Equal(HandWritten.Replace("\t\"dns\": [\"1.1.1.1\",\"8.8.8.8\"],  \r\n", ""), Edit(HandWritten, ("dns", null)));
        Assert.Equal(HandWritten.Replace(",\r\n\t\"debug\": false", ""), Edit(HandWritten, ("debug", null)));
        Assert.Equal("{}\n", Edit("{\n  \"debug\": true\n}\n", ("debug", null)));
    }

    [Fact]
    public void ANewKeyIsAppendedInTheStyleOfTheLastOne()
    {
        var added = Edit(HandWritten, ("registry-mirrors", List("https://m.example")), ("live-restore", JsonValue.Create(true)));
        Assert.Equal(HandWritten.Replace("\t\"debug\": false\r\n",
            "\t\"debug\": false,\r\n\t\"registry-mirrors\": [\r\n\t\t\"https://m.example\"\r\n\t],\r\n\t\"live-restore\": true\r\n"), added);
        Assert.Equal("{\"a\":1,\"b\":[\"x\"]}", Edit("{\"a\":1}", ("b", List("x"))));
        Assert.Equal("{ \"a\": 1, \"b\": [\"x\", \"y\"] }\n", Edit("{ \"a\": 1 }\n", ("b", List("x", "y"))));
        Assert.Equal("{\n  \"b\": 2\n}", Edit("{}", ("b", JsonValue.Create(2))));
    }

    [Fact]
    public void AnInlineListStaysInline()
    {
        var text = "{\n    \"dns\": [\"1.1.1.1\", \"8.8.8.8\"],\n    \"debug\": true\n}\n";
        Assert.Equal(text.Replace("[\"1.1.1.1\", \"8.8.8.8\"]", "[\"9.9.9.9\", \"1.0.0.1\"]"), Edit(text, ("dns", List("9.9.9.9", "1.0.0.1"))));
    }

    [Fact]
    public void ADuplicateKeyIsKeptWhileUntouchedAndLosesItsEarlierCopiesWhenChanged()
    {
        var text = "{\n  \"dns\": [\"1.1.1.1\"],\n  \"debug\": true,\n  \"dns\": [\"9.9.9.9\"]\n}\n";
        Assert.Equal(text.Replace("\"debug\": true", "\"debug\": false"), Edit(text, ("debug", JsonValue.Create(false))));
        Assert.Equal("{\n  \"debug\": true,\n  \"dns\": [\"8.8.8.8\"]\n}\n", Edit(text, ("dns", List("8.8.8.8"))));
    }

    [Fact]
    public void TheSameSettingsGiveTheSameBytes()
    {
        var bytes = Encoding.UTF8.GetBytes(HandWritten);
        Assert.Same(bytes, DockerDaemonConfig.Edit(bytes, new Dictionary<string, JsonNode?> { ["debug"] = JsonValue.Create(false), ["dns"] = List("1.1.1.1", "8.8.8.8") }, "d"));
    }

    [Fact]
    public void ANewFileIsIndentedByTwoSpaces() =>
        Assert.Equal("{\n  \"dns\": [\n    \"9.9.9.9\"\n  ]\n}\n", Edit("", ("dns", List("9.9.9.9"))));

    [Theory]
    [InlineData("{\"debug\": true}\n{\"dns\": []}\n", "TextAfterObject", null)]
    [InlineData("{\"debug\": true} # comment\n", "TextAfterObject", null)]
    [InlineData("{\n\"labels\": [\"a\xff\"]\n}\n", "NotUtf8", "line 2")]
    [InlineData("{\"labels\": [\"\\ud800\"]}", "LoneSurrogate", null)]
    public void AFileThatCannotBeKeptByteForByteIsRefusedSayingWhy(string text, string rule, string? where)
    {
        var bytes = text.Select(c => c <= '\xff' ? (byte)c : throw new ArgumentException(text)).ToArray();
        var ex = Assert.Throws<NginxKitException>(() => DockerDaemonConfig.Edit(bytes, new Dictionary<string, JsonNode?> { ["debug"] = JsonValue.Create(false) }, "daemon.json"));
        Assert.Equal((ErrorCatalog.DaemonJsonNotEditable.Id, rule), (ex.Problem.ErrorId, ex.Problem.Rule));
        if (where is not null) Assert.Contains(where, ex.Problem.Message);
    }

    [Fact]
    public void AByteOrderMarkIsInvalidAsDockerdFindsIt() =>
        // Measured with dockerd 20.10: "invalid character 'ï' looking for beginning of value".
        Assert.Equal(ErrorCatalog.InvalidDaemonJson.Id, Assert.Throws<NginxKitException>(() =>
            DockerDaemonConfig.Edit([0xef, 0xbb, 0xbf, .. "{}"u8.ToArray()], new Dictionary<string, JsonNode?> { ["debug"] = JsonValue.Create(true) }, "d")).Problem.ErrorId);

    [Fact]
    public void RandomDocumentsAndEditsReadBackAsAskedAndKeepTheUntouchedMembersVerbatim()
    {
        var random = new Random(4242);
        string[] keys = ["dns", "debug", "labels", "log-opts", "proxies", "mtu", "a\"q", "é"];
        for (int n = 0; n < 2000; n++)
        {
            // A document in one of several hand-made styles.
            var ws = new[] { "", " ", "\n  ", "\r\n\t", "\n    ", "  \n" }[random.Next(6)];
            var colon = new[] { ":", ": ", " : " }[random.Next(3)];
            var members = new List<(string Key, string Text)>();
            foreach (var key in keys.Where(_ => random.Next(2) == 0))
                members.Add((key, RandomValueText(random, ws, colon, 0)));
            if (random.Next(5) == 0 && members.Count > 0) members.Insert(0, (members[^1].Key, RandomValueText(random, ws, colon, 0))); // a duplicate
            var closing = ws.Contains('\n') ? ws[..(ws.LastIndexOf('\n') + 1)] : ws;
            var text = "{" + string.Join(",", members.Select(m => ws + System.Text.Json.JsonSerializer.Serialize(m.Key) + colon + m.Text)) + (members.Count > 0 ? closing : "") + "}" + (random.Next(2) == 0 ? "\n" : "");
            var changes = new Dictionary<string, JsonNode?>();
            foreach (var key in keys.Where(_ => random.Next(3) == 0))
                changes[key] = random.Next(4) == 0 ? null : JsonNode.Parse(RandomValueText(random, "", ":", 0));

            var edited = DockerDaemonConfig.Edit(Encoding.UTF8.GetBytes(text), changes, "d");
            var (before, _) = DockerDaemonConfig.Parse(Encoding.UTF8.GetBytes(text), "d");
            var (after, _) = DockerDaemonConfig.Parse(edited, "d");
            var wanted = (JsonObject)before.DeepClone();
            foreach (var (k, v) in changes) { if (v is null) wanted.Remove(k); else wanted[k] = v.DeepClone(); }
            Assert.True(JsonNode.DeepEquals(wanted, after), $"#{n}: {text}\n-> {Encoding.UTF8.GetString(edited)}");
            var editedText = Encoding.UTF8.GetString(edited);
            foreach (var (key, valueText) in members.Where(m => !changes.ContainsKey(m.Key)))
                Assert.True(editedText.Contains(System.Text.Json.JsonSerializer.Serialize(key) + colon + valueText), $"#{n}: {key} lost its text in\n{text}\n-> {editedText}");
        }
    }

    private static string RandomValueText(Random random, string ws, string colon, int depth) => random.Next(depth > 1 ? 5 : 7) switch
    {
        0 => "true",
        1 => new[] { "1", "-0", "2.50", "1e3", "3.0E+1" }[random.Next(5)],
        2 => System.Text.Json.JsonSerializer.Serialize(new[] { "x", "a b", "caf\u00e9", "q\"", "\\" }[random.Next(5)]),
        3 => "\"\\u0041\\n\"",
        4 => "null",
        5 => "[" + string.Join("," + (ws.Length > 0 ? " " : ""), Enumerable.Range(0, random.Next(3)).Select(_ => RandomValueText(random, ws, colon, depth + 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, random.Next(3)).Select(i => ws + ws.Replace("\n", "") + $"\"k{i}\"" + colon + RandomValueText(random, ws, colon, depth + 1))) + "}",
    };

    [RealFact("setfacl")]
    public void TheCmdletsPlanKeepsOwnerModeAndAclAndWritesThroughALink()
    {
        var real = Path.Combine(root, "srv/daemon.json");
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, "{\r\n\t\"debug\": true\r\n}\r\n");
        Directory.CreateDirectory(Path.Combine(root, "etc/docker"));
        var link = Path.Combine(root, "etc/docker/daemon.json");
        File.CreateSymbolicLink(link, "/srv/daemon.json"); // absolute: read under the root
        Run("chown", "65534:65534", real);
        Run("chmod", "0640", real);
        Run("setfacl", "-m", "u:daemon:r", real);
        var acl = Run("getfacl", "-c", real);

        DockerDaemonConfig.Write(DockerDaemonConfig.Plan(root, new DockerDaemonConfigRequest { Dns = ["9.9.9.9"] }));
        Assert.Equal("/srv/daemon.json", new FileInfo(link).LinkTarget);
        Assert.Equal("{\r\n\t\"debug\": true,\r\n\t\"dns\": [\r\n\t\t\"9.9.9.9\"\r\n\t]\r\n}\r\n", File.ReadAllText(real));
        Assert.Equal("65534:65534 640", Run("stat", "-c", "%u:%g %a", real).Trim());
        Assert.Equal(acl, Run("getfacl", "-c", real));
        Assert.Equal("{\r\n\t\"debug\": true\r\n}\r\n", File.ReadAllText(real + ".bak"));

        File.Delete(real);
        Assert.Equal(ErrorCatalog.DanglingSymlink.Id, Assert.Throws<NginxKitException>(() => DockerDaemonConfig.Plan(root, new DockerDaemonConfigRequest { Dns = ["1.1.1.1"] })).Problem.ErrorId);
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {p.StandardError.ReadToEnd()}");
        return output;
    }
}
