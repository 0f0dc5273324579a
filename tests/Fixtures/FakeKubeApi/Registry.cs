using System.Text;
using System.Text.Json.Nodes;

namespace FakeKubeApi;

/// <summary>The options every write takes.</summary>
public sealed record WriteOptions(string Manager, bool DryRun = false, string? Subresource = null);

/// <summary>A page of a list.</summary>
public sealed record ListResult(List<JsonObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);

/// <summary>
/// The verbs on top of the store, with the apiserver's semantics: admission (namespace must
/// exist), defaults, validation, preconditions, managed fields, no-op detection (an unchanged
/// object keeps its resourceVersion and emits no event) and dry run.
/// </summary>
public sealed class Registry(ObjectStore store, ObjectRules rules)
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public ObjectStore Store { get; } = store;

    public static readonly string[] BuiltInNamespaces = ["default", "kube-node-lease", "kube-public", "kube-system"];

    public JsonObject Get(ResourceType type, string? ns, string name) =>
        Store.Get(type, ns, name) ?? throw KubeStatus.NotFound(type, name);

    public ListResult List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, int? limit, string? continueToken)
    {
        var (items, rv) = Store.List(type, ns, o => labels.Matches(Json.Labels(o)) && fields.Matches(o));
        if (continueToken is not null)
        {
            var (startAfter, tokenRv) = DecodeContinue(continueToken);
            items = items.Where(o => string.CompareOrdinal(ContinueKey(o), startAfter) > 0).ToList();
            rv = tokenRv;
        }
        if (limit is > 0 && items.Count > limit)
        {
            var page = items.Take(limit.Value).ToList();
            var token = EncodeContinue(ContinueKey(page[^1]), rv);
            return new ListResult(page, rv, token, items.Count - limit.Value);
        }
        return new ListResult(items, rv, null, null);
    }

    public JsonObject Create(ResourceType type, string? ns, JsonNode? body, WriteOptions options)
    {
        var obj = AsObject(type, body);
        CheckIdentity(type, obj, ns);
        var meta = Json.Metadata(obj);
        if (Json.Str(meta["resourceVersion"]) is { Length: > 0 })
            throw new KubeApiException(KubeStatus.Failure(500, "InternalError", "resourceVersion should not be set on objects to be created"));
        if (string.IsNullOrEmpty(Json.Name(obj)) && Json.Str(meta["generateName"]) is { Length: > 0 } prefix)
            meta["name"] = prefix + RandomSuffix();

        return Store.Locked(() =>
        {
            var name = Json.Name(obj) ?? "";
            if (type.Namespaced && ns is not null && Store.Peek(ResourceCatalog.Namespaces, null, ns) is null)
                throw KubeStatus.NamespaceNotFound(ns);
            if (name.Length > 0 && Store.Peek(type, ns, name) is not null) throw KubeStatus.AlreadyExists(type, name);

            foreach (var key in new[] { "uid", "creationTimestamp", "generation", "deletionTimestamp" }) meta.Remove(key);
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Json.Rfc3339(DateTimeOffset.UtcNow);
            rules.PrepareForCreate(type, obj);
            FieldManager.RecordUpdate(type, null, obj, options.Manager, options.Subresource, DateTimeOffset.UtcNow);
            Validation.Validate(type, obj, null);
            return options.DryRun ? Json.Canonical(obj) : Store.Commit(type, ns, name, obj);
        });
    }

    public JsonObject Update(ResourceType type, string? ns, string name, JsonNode? body, WriteOptions options)
    {
        var obj = AsObject(type, body);
        CheckIdentity(type, obj, ns);
        if (Json.Name(obj) != name)
            throw KubeStatus.BadRequest($"the name of the object ({Json.Name(obj)}) does not match the name on the URL ({name})");
        return Store.Locked(() =>
        {
            var current = Store.Peek(type, ns, name) ?? throw KubeStatus.NotFound(type, name);
            CheckPreconditions(type, name, current, obj);
            return Save(type, ns, name, current, obj, options, apply: false);
        });
    }

    /// <summary>
    /// PATCH in any of the four formats. An apply patch creates the object when it is missing;
    /// the others answer 404.
    /// </summary>
    public (JsonObject Object, bool Created) Patch(ResourceType type, string? ns, string name, string patchType, string body, WriteOptions options, bool force)
    {
        var isApply = patchType == Patches.ApplyPatchType;
        var patch = Json.ParseJsonOrYaml(body, allowYaml: isApply);
        return Store.Locked(() =>
        {
            var current = Store.Peek(type, ns, name);
            if (current is null && !isApply) throw KubeStatus.NotFound(type, name);
            if (isApply)
            {
                var applied = patch as JsonObject ?? throw KubeStatus.BadRequest("error decoding YAML: the applied configuration is not an object");
                CheckApplied(type, applied, ns);
                var merged = FieldManager.Apply(type, current, applied, options.Manager, force, options.Subresource);
                if (current is null) return (CreateApplied(type, ns, name, merged, options), true);
                CheckPatched(type, ns, name, current, merged);
                return (Save(type, ns, name, current, merged, options, apply: true), false);
            }

            var patched = patchType switch
            {
                Patches.MergePatchType => Patches.Merge(current, RequireObject(patch)),
                Patches.StrategicMergePatchType => Patches.StrategicMerge(current, RequireObject(patch)),
                Patches.JsonPatchType => Patches.ApplyJsonPatch(current!, patch),
                _ => throw KubeStatus.UnsupportedMediaType(patchType, Patches.Accepted),
            } as JsonObject ?? throw KubeStatus.BadRequest("the patch did not produce an object");
            CheckPatched(type, ns, name, current!, patched);
            return (Save(type, ns, name, current!, patched, options, apply: false), false);
        });
    }

    /// <summary>DELETE: answers the deleted object for kinds that do, else a Success Status.</summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, JsonObject? deleteOptions, bool dryRun)
    {
        return Store.Locked(() =>
        {
            var current = Store.Peek(type, ns, name) ?? throw KubeStatus.NotFound(type, name);
            if (deleteOptions?["preconditions"] is JsonObject pre)
            {
                if (Json.Str(pre["uid"]) is { Length: > 0 } uid && uid != Json.Str(current["metadata"]?["uid"]))
                    throw KubeStatus.Conflict(type, name,
                        $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Json.Str(current["metadata"]?["uid"])}");
                if (Json.Str(pre["resourceVersion"]) is { Length: > 0 } rv && rv != Json.Str(current["metadata"]?["resourceVersion"]))
                    throw KubeStatus.Conflict(type, name,
                        $"the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({Json.Str(current["metadata"]?["resourceVersion"])}). The object might have been modified");
            }
            JsonObject deleted;
            if (dryRun) deleted = Json.Clone(current);
            else
            {
                if (type == ResourceCatalog.Namespaces) DeleteContents(name);
                deleted = Store.Commit(type, ns, name, null);
            }
            if (!type.ReturnsDeletedObject) return KubeStatus.Success(type, name, Json.Str(current["metadata"]?["uid"]));
            if (type == ResourceCatalog.Namespaces)
            {
                // The real namespace lingers as Terminating until its contents are gone; here that is immediate.
                Json.Metadata(deleted)["deletionTimestamp"] = Json.Rfc3339(DateTimeOffset.UtcNow);
                if (deleted["status"] is JsonObject status) status["phase"] = "Terminating";
                deleted = Json.Canonical(deleted);
            }
            return deleted;
        });
    }

    public JsonObject DeleteCollection(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, bool dryRun)
    {
        return Store.Locked(() =>
        {
            var (items, _) = Store.List(type, ns, o => labels.Matches(Json.Labels(o)) && fields.Matches(o));
            var deleted = new JsonArray();
            foreach (var item in items)
            {
                var name = Json.Name(item)!;
                if (!dryRun)
                {
                    if (type == ResourceCatalog.Namespaces) DeleteContents(name);
                    Store.Commit(type, Json.Namespace(item), name, null);
                }
                item.Remove("kind");
                item.Remove("apiVersion");
                deleted.Add(item);
            }
            return new JsonObject
            {
                ["kind"] = type.ListKind,
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = Store.ResourceVersion.ToString() },
                ["items"] = deleted,
            };
        });
    }

    /// <summary>
    /// Puts an object straight into the store (test seeding): create or replace, with defaults
    /// and validation but keeping any status, uid or creationTimestamp it carries. Its namespace
    /// is created when missing.
    /// </summary>
    public JsonObject Seed(JsonObject obj)
    {
        var apiVersion = Json.Str(obj["apiVersion"]) ?? "";
        var kind = Json.Str(obj["kind"]) ?? "";
        var type = ResourceCatalog.FindByKind(apiVersion, kind)
            ?? throw KubeStatus.BadRequest($"no kind \"{kind}\" is registered for version \"{apiVersion}\"");
        obj = Json.Clone(obj);
        Json.StripNulls(obj);
        var meta = Json.Metadata(obj);
        string? ns = null;
        if (type.Namespaced) meta["namespace"] = ns = Json.Namespace(obj) is { Length: > 0 } given ? given : "default";
        else meta.Remove("namespace");
        meta.Remove("resourceVersion");
        var name = Json.Name(obj) ?? "";

        return Store.Locked(() =>
        {
            if (ns is not null && Store.Peek(ResourceCatalog.Namespaces, null, ns) is null)
                Seed(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
            var current = Store.Peek(type, ns, name);
            meta["uid"] ??= Json.Str(current?["metadata"]?["uid"]) ?? Guid.NewGuid().ToString();
            meta["creationTimestamp"] ??= Json.Str(current?["metadata"]?["creationTimestamp"]) ?? Json.Rfc3339(DateTimeOffset.UtcNow);
            if (type.TracksGeneration) meta["generation"] ??= 1;
            var status = obj["status"]?.DeepClone();
            rules.PrepareForCreate(type, obj);
            if (status is not null) obj["status"] = status;
            Validation.Validate(type, obj, null);
            if (current is not null && Same(current, obj)) return Json.Clone(current);
            return Store.Commit(type, ns, name, obj);
        });
    }

    /// <summary>Creates the namespaces every cluster starts with.</summary>
    public void SeedBuiltInNamespaces()
    {
        foreach (var ns in BuiltInNamespaces)
            Seed(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
    }

    // Stores an updated object unless nothing changed; dry run answers without storing.
    private JsonObject Save(ResourceType type, string? ns, string name, JsonObject current, JsonObject updated, WriteOptions options, bool apply)
    {
        var meta = Json.Metadata(updated);
        var currentMeta = (JsonObject)current["metadata"]!;
        foreach (var key in new[] { "uid", "creationTimestamp", "resourceVersion" }) meta[key] = currentMeta[key]?.DeepClone();
        Json.StripNulls(updated);

        updated = rules.PrepareForUpdate(type, current, updated, options.Subresource);
        var now = DateTimeOffset.UtcNow;
        if (apply) FieldManager.Finish(updated, now);
        else FieldManager.RecordUpdate(type, current, updated, options.Manager, options.Subresource, now);
        Validation.Validate(type, updated, current);

        if (Same(current, updated)) return Json.Clone(current);
        return options.DryRun ? Json.Canonical(updated) : Store.Commit(type, ns, name, updated);
    }

    private JsonObject CreateApplied(ResourceType type, string? ns, string name, JsonObject merged, WriteOptions options)
    {
        if (Json.Name(merged) != name)
            throw KubeStatus.BadRequest($"the name of the object ({Json.Name(merged)}) does not match the name on the URL ({name})");
        if (type.Namespaced && ns is not null && Store.Peek(ResourceCatalog.Namespaces, null, ns) is null)
            throw KubeStatus.NamespaceNotFound(ns);
        Json.StripNulls(merged);
        var meta = Json.Metadata(merged);
        if (type.Namespaced) meta["namespace"] = ns;
        meta.Remove("resourceVersion");
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Json.Rfc3339(DateTimeOffset.UtcNow);
        rules.PrepareForCreate(type, merged);
        FieldManager.Finish(merged, DateTimeOffset.UtcNow);
        Validation.Validate(type, merged, null);
        return options.DryRun ? Json.Canonical(merged) : Store.Commit(type, ns, name, merged);
    }

    private void DeleteContents(string ns)
    {
        foreach (var type in ResourceCatalog.All.Where(t => t.Namespaced))
            foreach (var item in Store.List(type, ns).Items)
                Store.Commit(type, ns, Json.Name(item)!, null);
    }

    private static bool Same(JsonObject current, JsonObject updated)
    {
        var a = Json.Canonical(current);
        var b = Json.Canonical(updated);
        Json.Metadata(b)["resourceVersion"] = Json.Metadata(a)["resourceVersion"]?.DeepClone();
        return Json.DeepEquals(a, b);
    }

    private static JsonObject AsObject(ResourceType type, JsonNode? body)
    {
        if (body is not JsonObject obj) throw KubeStatus.BadRequest($"the body of the request is not a {type.Kind} object");
        obj = Json.Clone(obj);
        Json.StripNulls(obj);
        return obj;
    }

    private static JsonObject RequireObject(JsonNode? patch) =>
        patch as JsonObject ?? throw KubeStatus.BadRequest("json: cannot unmarshal array into Go value of type map[string]interface {}");

    // The kind and apiVersion default from the URL; a different one is a 400, as is a namespace other than the URL's.
    private static void CheckIdentity(ResourceType type, JsonObject obj, string? ns)
    {
        var kind = Json.Str(obj["kind"]);
        var apiVersion = Json.Str(obj["apiVersion"]);
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind || !string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion)
            throw KubeStatus.BadRequest(
                $"{kind} in version \"{apiVersion}\" cannot be handled as a {type.Kind}: the object is not a {type.ApiVersion} {type.Kind}");
        obj["kind"] = type.Kind;
        obj["apiVersion"] = type.ApiVersion;
        var meta = Json.Metadata(obj);
        if (!type.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }
        var given = Json.Namespace(obj);
        if (!string.IsNullOrEmpty(given) && given != ns)
            throw KubeStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        meta["namespace"] = ns;
    }

    private static void CheckApplied(ResourceType type, JsonObject applied, string? ns)
    {
        if (Json.Str(applied["kind"]) is not { Length: > 0 } kind || Json.Str(applied["apiVersion"]) is not { Length: > 0 } apiVersion)
            throw KubeStatus.BadRequest("error decoding YAML: Object 'Kind' is missing in the applied configuration");
        if (kind != type.Kind || apiVersion != type.ApiVersion)
            throw KubeStatus.BadRequest($"{kind} in version \"{apiVersion}\" cannot be handled as a {type.Kind}: the object is not a {type.ApiVersion} {type.Kind}");
        var given = Json.Namespace(applied);
        if (type.Namespaced && !string.IsNullOrEmpty(given) && given != ns)
            throw KubeStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        if (!type.Namespaced) Json.Metadata(applied).Remove("namespace");
    }

    private static void CheckPatched(ResourceType type, string? ns, string name, JsonObject current, JsonObject patched)
    {
        if (Json.Name(patched) != name)
            throw KubeStatus.BadRequest($"the name of the object ({Json.Name(patched)}) does not match the name on the URL ({name})");
        if (type.Namespaced && Json.Namespace(patched) != ns)
            throw KubeStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        if (Json.Str(patched["kind"]) != type.Kind || Json.Str(patched["apiVersion"]) != type.ApiVersion)
            throw KubeStatus.BadRequest($"the patch changed the kind or apiVersion of {type.QualifiedPlural} \"{name}\"");
        CheckPreconditions(type, name, current, patched);
    }

    // A resourceVersion or uid in the body is a precondition on the stored object.
    private static void CheckPreconditions(ResourceType type, string name, JsonObject current, JsonObject incoming)
    {
        var rv = Json.Str(incoming["metadata"]?["resourceVersion"]);
        if (!string.IsNullOrEmpty(rv) && rv != Json.Str(current["metadata"]?["resourceVersion"]))
            throw KubeStatus.Conflict(type, name);
        var uid = Json.Str(incoming["metadata"]?["uid"]);
        var currentUid = Json.Str(current["metadata"]?["uid"]);
        if (!string.IsNullOrEmpty(uid) && uid != currentUid)
            throw KubeStatus.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {currentUid}");
    }

    private static string RandomSuffix() =>
        new(Enumerable.Range(0, 5).Select(_ => GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)]).ToArray());

    private static string ContinueKey(JsonObject obj) => $"{Json.Namespace(obj)}/{Json.Name(obj)}";

    // Continue tokens look like the apiserver's: base64 JSON naming the version, resourceVersion and start key.
    private static string EncodeContinue(string lastKey, long rv) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = lastKey + "\u0000" }.ToJsonString()));

    private static (string StartAfter, long ResourceVersion) DecodeContinue(string token)
    {
        try
        {
            var obj = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!.AsObject();
            return (Json.Str(obj["start"])!.TrimEnd('\u0000'), obj["rv"]!.GetValue<long>());
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            throw KubeStatus.BadRequest($"continue key is not valid: {ex.Message}");
        }
    }
}
