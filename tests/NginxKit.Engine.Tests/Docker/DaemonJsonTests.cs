using System.Collections;
using System.Collections.Specialized;
using System.Numerics;
using NginxKit.Engine.Diagnostics;
using NginxKit.Engine.Docker;
using Xunit;

namespace NginxKit.Engine.Tests.Docker;

public class DaemonJsonTests
{
    [Fact]
    public void EveryIntegerTypeBecomesANumber()
    {
        object[] values = [(sbyte)-1, (byte)2, (short)3, (ushort)4, 5, 6u, 7L, 8ul, new BigInteger(ulong.MaxValue) * 10, 1.5, 2.5m];
        Assert.Equal(["-1", "2", "3", "4", "5", "6", "7", "8", "184467440737095516150", "1.5", "2.5"], values.Select(v => DaemonJsonValue.From(v, "k")!.ToJsonString()));
    }

    [Fact]
    public void DictionariesBecomeObjectsOrderedOnesKeepTheirOrder()
    {
        var ordered = new OrderedDictionary { ["b"] = 1, ["a"] = new Hashtable { ["y"] = true, ["x"] = "s" } };
        Assert.Equal("""{"b":1,"a":{"x":"s","y":true}}""", DaemonJsonValue.From(ordered, "k")!.ToJsonString());
    }

    [Fact]
    public void ACycleAndAnUnsupportedValueAreRefused()
    {
        var self = new Hashtable();
        self["me"] = self;
        Assert.Equal((ErrorCatalog.UnsupportedSettingValue.Id, "Cycle"), Problem(() => DaemonJsonValue.From(self, "k")));
        Assert.Equal((ErrorCatalog.UnsupportedSettingValue.Id, "UnsupportedType"), Problem(() => DaemonJsonValue.From(new object(), "k")));
        Assert.Equal((ErrorCatalog.UnsupportedSettingValue.Id, "NotFinite"), Problem(() => DaemonJsonValue.From(double.NaN, "k")));
    }

    [Fact]
    public void DuplicateKeysAreReadLastWinsAndReported()
    {
        var (config, duplicates) = DockerDaemonConfig.Parse("""{"dns":["1.1.1.1"],"debug":true,"dns":["9.9.9.9"]}"""u8.ToArray(), "d");
        Assert.Equal("""["9.9.9.9"]""", config["dns"]!.ToJsonString());
        Assert.Equal(["dns"], duplicates);
    }

    [Fact]
    public void CommentsAndTrailingCommasAreRefusedAsDockerdRefusesThem() =>
        Assert.Equal(ErrorCatalog.InvalidDaemonJson.Id, Assert.Throws<NginxKitException>(() => DockerDaemonConfig.Parse("{ /* x */ \"a\": 1, }"u8.ToArray(), "d")).Problem.ErrorId);

    [Fact]
    public void ProxyParametersMergeWithSettingProxiesAndAClashIsRefused()
    {
        var root = Directory.CreateTempSubdirectory("nginxkit-daemon-").FullName;
        var proxies = new System.Text.Json.Nodes.JsonObject { ["no-proxy"] = "localhost" };
        var plan = DockerDaemonConfig.Plan(root, new DockerDaemonConfigRequest { HttpProxy = "http://p:3128", Settings = new Dictionary<string, System.Text.Json.Nodes.JsonNode?> { ["proxies"] = proxies } });
        var text = System.Text.Encoding.UTF8.GetString(plan.NewBytes);
        Assert.Contains("\"http-proxy\": \"http://p:3128\"", text);
        Assert.Contains("\"no-proxy\": \"localhost\"", text);
        var clash = new System.Text.Json.Nodes.JsonObject { ["http-proxy"] = "http://other:1" };
        Assert.Equal(ErrorCatalog.DuplicateSetting.Id, Assert.Throws<NginxKitException>(() => DockerDaemonConfig.Plan(root,
            new DockerDaemonConfigRequest { HttpProxy = "http://p:3128", Settings = new Dictionary<string, System.Text.Json.Nodes.JsonNode?> { ["proxies"] = clash } })).Problem.ErrorId);
        Assert.Equal(ErrorCatalog.MaskedValue.Id, Assert.Throws<NginxKitException>(() => DockerDaemonConfig.Plan(root,
            new DockerDaemonConfigRequest { HttpsProxy = "http://ops:***@p:3128" })).Problem.ErrorId);
    }

    private static (string, string?) Problem(Action action) => Assert.Throws<NginxKitException>(action) is var ex ? (ex.Problem.ErrorId, ex.Problem.Rule) : default;
}
