using k8s.Models;
using NginxKit.Engine.Kubernetes;
using Xunit;

namespace NginxKit.Engine.Tests.Kubernetes;

public class PodDiagnosisTests
{
    private static V1Pod Pod(string name, V1ContainerStatus[]? init = null, V1ContainerStatus[]? main = null, V1PodCondition[]? conditions = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "nginx-entry" },
        Spec = new V1PodSpec
        {
            InitContainers = [new V1Container { Name = "render", Image = "nginxkit:0.1.0", ImagePullPolicy = "IfNotPresent" }],
            Containers = [new V1Container { Name = "nginx", Image = "nginxkit:0.1.0", ImagePullPolicy = "IfNotPresent" }],
        },
        Status = new V1PodStatus { InitContainerStatuses = init, ContainerStatuses = main, Conditions = conditions },
    };

    private static V1ContainerStatus Waiting(string name, string reason, int restarts = 0) =>
        new() { Name = name, Image = "nginxkit:0.1.0", Ready = false, RestartCount = restarts, State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = $"{reason} message" } } };

    [Theory]
    [InlineData("ErrImagePull", PodFailureKind.ImagePull)]
    [InlineData("ImagePullBackOff", PodFailureKind.ImagePull)]
    [InlineData("InvalidImageName", PodFailureKind.ImagePull)]
    [InlineData("CrashLoopBackOff", PodFailureKind.CrashLoop)]
    [InlineData("CreateContainerConfigError", PodFailureKind.NotStarted)]
    public void AWaitingReasonThatWaitingWillNotFixIsAFailure(string reason, PodFailureKind kind)
    {
        var failure = PodDiagnosis.Diagnose([Pod("p", main: [Waiting("nginx", reason, 2)])]);
        Assert.NotNull(failure);
        Assert.Equal((kind, "nginx-entry", "p", "nginx", false, reason, "nginxkit:0.1.0", "IfNotPresent", 2),
            (failure.Kind, failure.Namespace, failure.Pod, failure.Container, failure.InitContainer, failure.Reason, failure.Image, failure.PullPolicy, failure.Restarts));
    }

    [Theory]
    [InlineData("ContainerCreating")]
    [InlineData("PodInitializing")]
    public void StatesThatPassOnTheirOwnAreNoFailure(string reason) =>
        Assert.Null(PodDiagnosis.Diagnose([Pod("p", main: [Waiting("nginx", reason)])]));

    [Fact]
    public void TheInitContainerIsReadFirstAndPodsInNameOrder()
    {
        var failure = PodDiagnosis.Diagnose([
            Pod("b", main: [Waiting("nginx", "ErrImagePull")]),
            Pod("a", init: [Waiting("render", "CrashLoopBackOff", 5)], main: [Waiting("nginx", "PodInitializing")]),
        ]);
        Assert.Equal(("a", "render", true, PodFailureKind.CrashLoop), (failure!.Pod, failure.Container, failure.InitContainer, failure.Kind));
    }

    [Fact]
    public void APodNoNodeMatchesIsAFailureAndOtherUnschedulablePodsAreNot()
    {
        V1PodCondition Unschedulable(string message) => new() { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = message };
        var failure = PodDiagnosis.Diagnose([Pod("p", conditions: [Unschedulable("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.")])]);
        Assert.Equal(PodFailureKind.NoMatchingNode, failure!.Kind);
        Assert.Null(PodDiagnosis.Diagnose([Pod("p", conditions: [Unschedulable("0/3 nodes are available: 3 Insufficient cpu.")])]));
    }

    [Fact]
    public void APodOnItsWayOutIsLeftAlone()
    {
        var pod = Pod("old", main: [Waiting("nginx", "CrashLoopBackOff")]);
        pod.Metadata.DeletionTimestamp = DateTime.UtcNow;
        Assert.Null(PodDiagnosis.Diagnose([pod]));
    }
}
