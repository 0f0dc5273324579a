using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace NginxKit.Engine.Kubernetes;

/// <summary>
/// JSON metadata, made at compile time, for what KubernetesClient would otherwise read by reflection
/// on the sync's path: a watch event, which it reads first as a plain object (to tell a Status from
/// a Service) and then as a Service or a Status; and an exec plugin's answer, for kubeconfigs that
/// use one. KubernetesClient's own generated context covers its models but not these, and a
/// NativeAOT program (nginxkit-sync) has no reflection to fall back on. <see cref="Register"/> adds
/// them, with a generic converter for the event's type field, to KubernetesClient's serializer options.
/// </summary>
[JsonSerializable(typeof(Watcher<KubernetesObject>.WatchEvent))]
[JsonSerializable(typeof(Watcher<V1Service>.WatchEvent))]
[JsonSerializable(typeof(Watcher<V1Status>.WatchEvent))]
[JsonSerializable(typeof(k8s.KubeConfigModels.ExecCredentialResponse))]
internal sealed partial class KubeWatchJson : JsonSerializerContext
{
    /// <summary>Adds the metadata before KubernetesClient serializes anything; later it changes nothing.</summary>
    public static bool Register() => Registration.Done;

    // In a class of its own: a static initializer of this partial class would run before the generated Default is set.
    private static class Registration
    {
        public static readonly bool Done = Add();

        private static bool Add()
        {
            try
            {
                KubernetesJson.AddJsonOptions(options =>
                {
                    // The options' JsonStringEnumConverter makes its enum converters by reflection; this one is compiled.
                    options.Converters.Insert(0, new JsonStringEnumConverter<WatchEventType>());
                    options.TypeInfoResolverChain.Insert(0, Default);
                });
                return true;
            }
            catch (InvalidOperationException)
            {
                // The options were in use already: reflection serves them, as it can outside NativeAOT.
                return false;
            }
        }
    }
}
