using k8s;
using k8s.Models;
using NginxKit.Engine.Kubernetes;
using NginxKit.Engine.Nginx;
using Xunit;

namespace NginxKit.Engine.Tests.Kubernetes;

public class PathConflictEventTests
{
    [Fact]
    public void TheEventIsAWarningOnTheLosingServiceThatNamesTheHolder()
    {
        var holder = new Route("/web", "10.0.0.1", 80) { Service = "web", Namespace = "prod", Created = new DateTimeOffset(2020, 6, 1, 0, 0, 0, TimeSpan.Zero) };
        var loser = new Route("/web", "10.0.0.66", 80) { Service = "web", Namespace = "aaa-scratch", Created = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero) };
        var conflict = Assert.Single(RouteSet.Build([loser, holder]).Conflicts);
        var service = new V1Service { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "aaa-scratch", Uid = "u-1", ResourceVersion = "42" } };
        var now = new DateTimeOffset(2026, 1, 5, 0, 0, 1, TimeSpan.Zero);

        var e = PathConflictEvent.Build(conflict, service, now, "nginx-entry-7d4f");

        Assert.Equal(("Warning", "PathConflict"), (e.Type, e.Reason));
        Assert.Equal("aaa-scratch", e.Metadata.NamespaceProperty);
        Assert.StartsWith("web.", e.Metadata.Name);
        Assert.Equal($"web.{(now - DateTimeOffset.UnixEpoch).Ticks * 100:x}", e.Metadata.Name);
        Assert.Equal(("v1", "Service", "aaa-scratch", "web", "u-1", "42"),
            (e.InvolvedObject.ApiVersion, e.InvolvedObject.Kind, e.InvolvedObject.NamespaceProperty, e.InvolvedObject.Name, e.InvolvedObject.Uid, e.InvolvedObject.ResourceVersion));
        Assert.Contains("location /web/ on server _ is held by Service prod/web", e.Message);
        Assert.Contains("created 2020-06-01T00:00:00Z", e.Message);
        Assert.Contains("nginxkit.io/path", e.Message);
        Assert.Equal(("nginxkit", "nginxkit.io/sync", "nginx-entry-7d4f"), (e.Source.Component, e.ReportingComponent, e.ReportingInstance));
        Assert.Equal((1, now.UtcDateTime, now.UtcDateTime), (e.Count, e.FirstTimestamp, e.LastTimestamp));
        // The wire form the API server validates: a core/v1 Event.
        var json = KubernetesJson.Serialize(e);
        Assert.Contains("\"apiVersion\":\"v1\"", json);
        Assert.Contains("\"kind\":\"Event\"", json);
    }
}
