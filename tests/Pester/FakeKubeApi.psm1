# Drives tests/Fixtures/FakeKubeApi, a loopback fake kube-apiserver that speaks the real wire
# protocol (checked against kubectl by FakeKubeApi.Tests.ps1).
#
#   Get-KubeTestTarget             the cluster a Kubernetes test runs against: $env:NGINXKIT_TEST_KUBECONFIG
#                                  (a real cluster, IsFake = $false) or a freshly started fake (IsFake = $true)
#   Start-FakeKubeApi / Stop-FakeKubeApi
#                                  one fake per call, with a kubeconfig (cluster, context and user "fake")
#   Add-FakeKubeObject             seeds objects straight into the store
#   Invoke-FakeKubePatch           PATCH requests applied in one step: a burst of watch events with no gap
#   Set-FakeKubePodLog             what pods/{name}/log answers for one container (of a seeded Pod)
#   Add-FakeKubeFault / Clear-FakeKubeFault
#                                  answer matching requests with a Status error (403, 409 once, ...)
#   Get-FakeKubeRequest / Clear-FakeKubeRequest
#                                  the API requests the fake saw (method, path, query, dryRun, fieldManager, status)
#   Close-FakeKubeWatch            ends every open watch (clients must resume)
#   Invoke-FakeKubeCompaction      forgets event history (older resourceVersions get 410 Expired)
#   Reset-FakeKubeApi              back to a fresh cluster (objects, faults, request log, watches)
#   New-FakeKubeServiceAccountToken
#                                  a token for a ServiceAccount from the TokenRequest API (kubectl create token);
#                                  requests with it are that ServiceAccount's, allowed only what RBAC grants it
#   Invoke-Kubectl                 runs kubectl against a target, capturing exit code, stdout and stderr
#
# Environment:
#   NGINXKIT_FAKE_KUBE_API      path to the built FakeKubeApi.dll (build.ps1 sets it). When unset, the fixture
#                               is built into out/fixtures/FakeKubeApi under the repository root on first use.
#   NGINXKIT_TEST_KUBECONFIG    a real cluster's kubeconfig: Get-KubeTestTarget returns it instead of a fake.

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

function Get-FakeKubeApiPath {
    # The built fixture: ${env:NGINXKIT_FAKE_KUBE_API}, or a build made once per session.
    Get-TestFixture -Name FakeKubeApi -EnvironmentVariable NGINXKIT_FAKE_KUBE_API
}

function New-FakeKubeConfig {
    <#
    .SYNOPSIS
        A kubeconfig whose cluster, context and user are all named "fake"; the user carries the token, if any.
    .DESCRIPTION
        For a TLS fake, -Pki is the directory of its PEM files: the cluster trusts ca.crt and the user
        presents client.crt/client.key (-ClientKey Rsa) or client-ec.crt/client-ec.key (-ClientKey Ec),
        embedded as *-data the way kubeadm writes admin.conf, or with -CertificatePaths as file names
        relative to the kubeconfig, the way minikube writes them. -NoClientCertificate leaves them out.
    #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string] $Url,
        [string] $Token,
        [string] $Pki,
        [ValidateSet('Rsa', 'Ec')] [string] $ClientKey = 'Rsa',
        [switch] $CertificatePaths,
        [switch] $NoClientCertificate,
        # The client certificate's PKI when it is not -Pki: another fake's, which -Pki's server refuses.
        [string] $ClientPki = $Pki
    )
    $cluster = ''
    $user = if ($Token) { "`n    token: $Token" } else { '' }
    if ($Pki) {
        $stem = if ($ClientKey -eq 'Ec') { 'client-ec' } else { 'client' }
        $files = [ordered]@{ 'certificate-authority' = 'ca.crt'; 'client-certificate' = "$stem.crt"; 'client-key' = "$stem.key" }
        $entries = [ordered]@{}
        foreach ($key in $files.Keys) {
            $file = Join-Path ($key -eq 'certificate-authority' ? $Pki : $ClientPki) $files[$key]
            $entries[$key] = if ($CertificatePaths) {
                "${key}: $([IO.Path]::GetRelativePath((Split-Path -Parent ([IO.Path]::GetFullPath($Path))), $file))"
            } else {
                "$key-data: $([Convert]::ToBase64String([IO.File]::ReadAllBytes($file)))"
            }
        }
        $cluster = "`n    " + $entries['certificate-authority']
        if (-not $NoClientCertificate) { $user += "`n    " + $entries['client-certificate'] + "`n    " + $entries['client-key'] }
    }
    if (-not $user) { $user = ' {}' }
    @"
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: $Url$cluster
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
    namespace: default
current-context: fake
users:
- name: fake
  user:$user
"@ | Set-Content -LiteralPath $Path -Encoding utf8NoBOM
    $Path
}

function Start-FakeKubeApi {
    <#
    .SYNOPSIS
        Starts a fake kube-apiserver on 127.0.0.1 (a free port) and writes a kubeconfig for it.
    .DESCRIPTION
        Returns Url, KubeConfig (path), CacheDir (a private kubectl --cache-dir), Token, Pki, Process,
        Directory (the temp directory holding them) and IsFake = $true. The store starts with the
        namespaces every cluster has (default, kube-node-lease, kube-public, kube-system).
        With -Tls it serves HTTPS and HTTP/2 with a fresh CA, and every API request must present a
        client certificate from it (or the token): Pki is the directory of its PEM files (see
        New-FakeKubeConfig), and the kubeconfig embeds the CA and the RSA client certificate.
        With -Token every API request must carry "Authorization: Bearer <token>"; note that kubectl
        never sends a token over plain HTTP, so kubectl only ever gets 401 from such a fake.
    .EXAMPLE
        $fake = Start-FakeKubeApi
        kubectl --kubeconfig $fake.KubeConfig get nodes
        Stop-FakeKubeApi $fake
    #>
    [CmdletBinding()]
    param(
        [string] $Token,
        # A fixed port, so a test can stop the fake and bring a new one up where clients look; 0 picks a free one.
        [int] $Port = 0,
        # The apiserver's --service-node-port-range, such as '28000-32767'; by default 30000-32767, as a real one.
        [ValidatePattern('^\d+-\d+$')] [string] $ServiceNodePortRange,
        [switch] $Tls,
        [int] $TimeoutSec = 60
    )
    $dll = Get-FakeKubeApiPath
    $dir = Join-Path ([IO.Path]::GetTempPath()) ('fakekube-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $dir | Out-Null
    $pki = if ($Tls) { Join-Path $dir 'pki' } else { $null }
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add($dll)
    $psi.ArgumentList.Add('--exit-with-stdin')
    if ($pki) {
        $psi.ArgumentList.Add('--tls-dir')
        $psi.ArgumentList.Add($pki)
    }
    if ($Port) {
        $psi.ArgumentList.Add('--port')
        $psi.ArgumentList.Add("$Port")
    }
    if ($ServiceNodePortRange) {
        $psi.ArgumentList.Add('--service-node-port-range')
        $psi.ArgumentList.Add($ServiceNodePortRange)
    }
    if ($Token) {
        $psi.ArgumentList.Add('--token')
        $psi.ArgumentList.Add($Token)
    }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true   # closing it stops the fake, and so does this process ending
    $psi.RedirectStandardOutput = $true
    $process = $null
    try {
        $process = [Diagnostics.Process]::Start($psi)
        $url = $null
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while (-not $url) {
            $read = $process.StandardOutput.ReadLineAsync()
            $left = [Math]::Max(0, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
            if (-not $read.Wait([int]$left)) { throw "FakeKubeApi did not report LISTENING within $TimeoutSec s." }
            $line = $read.Result
            if ($null -eq $line) { throw "FakeKubeApi exited before listening (exit code $(if ($process.HasExited) { $process.ExitCode }))." }
            if ($line -match '^LISTENING (https?://\S+)$') { $url = $Matches[1] }
        }
        $kubeConfig = New-FakeKubeConfig -Path (Join-Path $dir 'kubeconfig') -Url $url -Token $Token -Pki $pki
    } catch {
        Stop-ProcessTree $process
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
        throw
    }
    [pscustomobject]@{
        PSTypeName = 'NginxKit.Test.KubeTarget'
        IsFake     = $true
        Url        = $url
        KubeConfig = $kubeConfig
        CacheDir   = Join-Path $dir 'kube-cache'
        Token      = if ($Token) { $Token } else { $null }
        Pki        = $pki
        Directory  = $dir
        Process    = $process
    }
}

function Stop-FakeKubeApi {
    <#
    .SYNOPSIS
        Stops a fake started by Start-FakeKubeApi (stdin EOF first, a kill after 5 s) and removes its temp directory.
        A real-cluster target from Get-KubeTestTarget is left alone.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline, Position = 0)] [AllowNull()] [object] $Server)
    process {
        if (-not $Server -or -not $Server.IsFake) { return }
        $p = $Server.Process
        Stop-ProcessTree $p -CloseInput
        if ($p) { $p.Dispose() }
        if ($Server.Directory -and (Test-Path -LiteralPath $Server.Directory)) {
            Remove-Item -LiteralPath $Server.Directory -Recurse -Force -ErrorAction Ignore
        }
    }
}

function Get-KubeTestTarget {
    <#
    .SYNOPSIS
        The cluster a Kubernetes test runs against.
    .DESCRIPTION
        With $env:NGINXKIT_TEST_KUBECONFIG set: that real cluster (IsFake = $false, Url read from the
        kubeconfig's first cluster; the test must use a namespace and labels of its own and clean up).
        Otherwise a fresh fake from Start-FakeKubeApi (IsFake = $true). Tests skip fault-injection and
        seeding cases when IsFake is $false. Stop-FakeKubeApi accepts either kind.
    #>
    [CmdletBinding()]
    param([string] $Token)
    if ($env:NGINXKIT_TEST_KUBECONFIG) {
        $path = $env:NGINXKIT_TEST_KUBECONFIG
        if (-not (Test-Path -LiteralPath $path)) { throw "NGINXKIT_TEST_KUBECONFIG is '$path', which does not exist." }
        $server = Select-String -LiteralPath $path -Pattern '^\s*server:\s*(\S+)' | Select-Object -First 1
        return [pscustomobject]@{
            PSTypeName = 'NginxKit.Test.KubeTarget'
            IsFake     = $false
            Url        = if ($server) { $server.Matches[0].Groups[1].Value } else { $null }
            KubeConfig = (Resolve-Path -LiteralPath $path).Path
            CacheDir   = Join-Path ([IO.Path]::GetTempPath()) 'nginxkit-kube-cache'
            Token      = $null
            Pki        = $null
            Directory  = $null
            Process    = $null
        }
    }
    Start-FakeKubeApi -Token $Token
}

function Invoke-FakeKubeControl {
    # One call to the fake's /_fake/ control API; failures throw with the fake's Status message.
    param(
        [Parameter(Mandatory, Position = 0)] [object] $Server,
        [Parameter(Mandatory)] [ValidateSet('GET', 'POST', 'DELETE')] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Body
    )
    if (-not $Server.IsFake) { throw "$Method /_fake/$Path needs the fake API server; this target is a real cluster." }
    $params = @{ Uri = "$($Server.Url)/_fake/$Path"; Method = $Method; SkipHttpErrorCheck = $true; StatusCodeVariable = 'code' }
    # The control API of a TLS fake shares its listener; it is the test's own loopback channel.
    if ($Server.Url -like 'https:*') { $params.SkipCertificateCheck = $true }
    if ($PSBoundParameters.ContainsKey('Body')) { $params.Body = $Body; $params.ContentType = 'application/json' }
    $response = Invoke-RestMethod @params
    if ($code -ge 300) {
        $message = if ($response -and $response.PSObject.Properties['message']) { $response.message } else { "$response" }
        throw "FakeKubeApi $Method /_fake/$Path answered $code`: $message"
    }
    # Invoke-RestMethod unrolls a JSON array; callers get its items.
    $response
}

function Add-FakeKubeObject {
    <#
    .SYNOPSIS
        Stores Kubernetes objects directly in the fake (create or replace), bypassing the API.
    .DESCRIPTION
        Each object (hashtable, pscustomobject or JSON string) needs apiVersion, kind and metadata.name.
        Namespaced objects default to the "default" namespace, and a missing namespace is created.
        Status, uid and creationTimestamp given are kept (so tests can seed ready deployments or old
        objects); defaults and validation apply as on create. Returns the stored objects.
        -LiteralPath stores the objects of a YAML or JSON file instead: one object, or a List of them
        (as `kubectl get svc -A -o yaml` prints it), each item stored.
    .EXAMPLE
        Add-FakeKubeObject -Server $fake -Object @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = 'n1'; labels = @{ zone = 'a' } } }
    .EXAMPLE
        Add-FakeKubeObject -Server $fake -LiteralPath ./examples/services.yaml
    #>
    [CmdletBinding(DefaultParameterSetName = 'Object')]
    param(
        [Parameter(Mandatory, Position = 0)] [object] $Server,
        [Parameter(Mandatory, ValueFromPipeline, Position = 1, ParameterSetName = 'Object')] [object[]] $Object,
        [Parameter(Mandatory, ParameterSetName = 'File')] [string] $LiteralPath
    )
    begin { $all = [Collections.Generic.List[object]]::new() }
    process { foreach ($o in $Object) { $all.Add($o) } }
    end {
        if ($PSCmdlet.ParameterSetName -eq 'File') {
            return Invoke-FakeKubeControl -Server $Server -Method POST -Path objects -Body (Get-Content -Raw -LiteralPath $LiteralPath)
        }
        $items = foreach ($o in $all) {
            if ($o -is [string]) { $o } else { ConvertTo-Json -InputObject $o -Depth 64 -Compress }
        }
        Invoke-FakeKubeControl -Server $Server -Method POST -Path objects -Body ('[' + ($items -join ',') + ']')
    }
}

function Invoke-FakeKubePatch {
    <#
    .SYNOPSIS
        Applies PATCH requests in one step, in order, as the API would one by one, and returns the patched objects.
    .DESCRIPTION
        Each -Patch is @{ path = an object's API path; patch = the body; type = its content type (merge
        patch when absent); fieldManager = optional }. Each patch that changes the object is a change of
        its own (a new resourceVersion, one MODIFIED watch event), and no other request comes between
        them, so a watcher gets the whole burst at once however slowly the test itself runs. The first
        patch that fails throws with its Status message; those before it stay applied.
    .EXAMPLE
        $patches = 1..100 | ForEach-Object { @{ path = '/api/v1/namespaces/default/services/web'; patch = @{ spec = @{ ports = @(@{ name = 'http'; port = 8000 + $_ }) } } } }
        Invoke-FakeKubePatch -Server $fake -Patch $patches
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [object] $Server,
        [Parameter(Mandatory, ValueFromPipeline, Position = 1)] [System.Collections.IDictionary[]] $Patch
    )
    begin { $all = [Collections.Generic.List[object]]::new() }
    process { foreach ($p in $Patch) { $all.Add($p) } }
    end {
        Invoke-FakeKubeControl -Server $Server -Method POST -Path patches -Body (ConvertTo-Json -InputObject $all.ToArray() -Depth 64 -Compress)
    }
}

function Set-FakeKubePodLog {
    <#
    .SYNOPSIS
        Sets what GET .../pods/<Pod>/log?container=<Container> answers (with -Previous, for the
        container's last terminated instance, which kubectl logs --previous reads).
    .EXAMPLE
        Set-FakeKubePodLog -Server $fake -Namespace nginx-entry -Pod nginx-entry-1 -Container render -Previous -Text "no route`n"
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [object] $Server,
        [string] $Namespace = 'default',
        [Parameter(Mandatory)] [string] $Pod,
        [Parameter(Mandatory)] [string] $Container,
        [Parameter(Mandatory)] [AllowEmptyString()] [string] $Text,
        [switch] $Previous
    )
    $body = [ordered]@{ namespace = $Namespace; pod = $Pod; container = $Container; previous = [bool]$Previous; text = $Text }
    $null = Invoke-FakeKubeControl -Server $Server -Method POST -Path logs -Body (ConvertTo-Json $body -Compress)
}

function Add-FakeKubeFault {
    <#
    .SYNOPSIS
        Makes the fake answer matching requests with a Status error instead of serving them.
    .DESCRIPTION
        -Path is the exact request path or a glob where * matches anything ("/api/v1/nodes/*").
        -Method empty or * matches every method. -Times is how many requests it applies to (-1: all).
        -Reason defaults to the apiserver's reason for the code (403 Forbidden, 409 Conflict, ...) and
        -Message to the apiserver's wording for it. -DryRunOnly limits it to dryRun requests.
    .EXAMPLE
        Add-FakeKubeFault -Server $fake -Method PATCH -Path /api/v1/nodes/n3 -Code 403
        Add-FakeKubeFault -Server $fake -Method PUT -Path '/api/v1/nodes/*' -Code 409 -Times 1
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [object] $Server,
        [string] $Method = '*',
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [ValidateRange(400, 599)] [int] $Code,
        [string] $Reason,
        [string] $Message,
        [int] $Times = -1,
        [switch] $DryRunOnly
    )
    $fault = [ordered]@{ method = $Method; path = $Path; code = $Code; times = $Times; dryRunOnly = [bool]$DryRunOnly }
    if ($Reason) { $fault.reason = $Reason }
    if ($Message) { $fault.message = $Message }
    $null = Invoke-FakeKubeControl -Server $Server -Method POST -Path faults -Body (ConvertTo-Json $fault -Compress)
}

function Clear-FakeKubeFault {
    <# .SYNOPSIS Removes every injected fault. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [object] $Server)
    $null = Invoke-FakeKubeControl -Server $Server -Method DELETE -Path faults
}

function Get-FakeKubeRequest {
    <#
    .SYNOPSIS
        The API requests the fake has seen, oldest first (control requests under /_fake/ are not logged).
    .DESCRIPTION
        Each has method, path, query (raw), contentType, accept, userAgent, protocol (HTTP/1.1 or
        HTTP/2), user (a client certificate's CN, "token", or null), dryRun, fieldManager, discovery
        (true for /version, /api, /apis, group and openapi documents), watch, status, body, time.
        -Method and -Path (wildcards allowed) filter; -ExcludeDiscovery drops discovery requests.
    .EXAMPLE
        Get-FakeKubeRequest -Server $fake -Method PATCH -Path /api/v1/nodes/n1
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [object] $Server,
        [string] $Method,
        [string] $Path,
        [switch] $ExcludeDiscovery
    )
    Invoke-FakeKubeControl -Server $Server -Method GET -Path requests | Where-Object {
        (-not $Method -or $_.method -eq $Method) -and
        (-not $Path -or $_.path -like $Path) -and
        (-not $ExcludeDiscovery -or -not $_.discovery)
    }
}

function Clear-FakeKubeRequest {
    <# .SYNOPSIS Empties the request log. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [object] $Server)
    $null = Invoke-FakeKubeControl -Server $Server -Method DELETE -Path requests
}

function Close-FakeKubeWatch {
    <# .SYNOPSIS Ends every open watch stream, as an apiserver restart would; returns how many were open. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [object] $Server)
    (Invoke-FakeKubeControl -Server $Server -Method POST -Path watches/close).closed
}

function Invoke-FakeKubeCompaction {
    <#
    .SYNOPSIS
        Forgets the event history: a watch from any older resourceVersion then gets an ERROR event
        with a 410 Expired Status. Returns the current resourceVersion (still watchable).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [object] $Server)
    (Invoke-FakeKubeControl -Server $Server -Method POST -Path compact).resourceVersion
}

function Reset-FakeKubeApi {
    <#
    .SYNOPSIS
        Back to a fresh cluster: objects (but the built-in namespaces), faults, the request log and open
        watches go. The resourceVersion keeps increasing.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [object] $Server)
    $null = Invoke-FakeKubeControl -Server $Server -Method POST -Path reset
}

function New-FakeKubeServiceAccountToken {
    <#
    .SYNOPSIS
        Issues a token for a ServiceAccount through the TokenRequest API, as `kubectl create token` does.
    .DESCRIPTION
        The ServiceAccount must exist. Requests that carry the token authenticate as
        system:serviceaccount:<namespace>:<name> and are authorized by the Roles, ClusterRoles and
        bindings in the fake, as by a real apiserver's RBAC; the fake's admin (no credentials on a
        plain fake, the -Token, or the client certificate) is never asked. Returns the token.
    .EXAMPLE
        $token = New-FakeKubeServiceAccountToken -Server $fake -Namespace nginx-entry -Name nginx-entry
        New-FakeKubeConfig -Path ./sa.kubeconfig -Url $fake.Url -Token $token
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [object] $Server,
        [Parameter(Mandatory)] [string] $Namespace,
        [Parameter(Mandatory)] [string] $Name
    )
    if ($Server.Url -like 'https:*' -and -not $Server.Token) { throw 'A TLS fake needs its -Token here (or use kubectl create token).' }
    $params = @{
        Uri = "$($Server.Url)/api/v1/namespaces/$Namespace/serviceaccounts/$Name/token"; Method = 'POST'; ContentType = 'application/json'
        Body = '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}'
    }
    if ($Server.Token) { $params.Headers = @{ Authorization = "Bearer $($Server.Token)" } }
    if ($Server.Url -like 'https:*') { $params.SkipCertificateCheck = $true }
    (Invoke-RestMethod @params).status.token
}

function Invoke-Kubectl {
    <#
    .SYNOPSIS
        Runs kubectl against a target (its kubeconfig and a private discovery cache) and returns
        ExitCode, Output (stdout), Error (stderr) and TimedOut. Never throws on a non-zero exit.
    .DESCRIPTION
        -TimeoutSec kills kubectl (and its children) when it runs longer; TimedOut tells. Use it for
        commands that do not end on their own, such as "get -w". Pass the arguments as an array
        (quoted, so PowerShell does not take "-o" or "--show-labels" for its own parameters).
    .EXAMPLE
        $r = Invoke-Kubectl $fake @('label', 'node', 'n1', 'role=entry')
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [object] $Target,
        [Parameter(Mandatory, Position = 1)] [string[]] $Arguments,
        [int] $TimeoutSec = 60,
        [string] $Kubectl = 'kubectl',
        # Variables for kubectl's environment, such as KUBECONFIG for a target whose KubeConfig is empty.
        [hashtable] $Environment = @{}
    )
    $psi = [Diagnostics.ProcessStartInfo]::new($Kubectl)
    $kubeConfig = if ($Target.KubeConfig) { @('--kubeconfig', $Target.KubeConfig) } else { @() }
    foreach ($a in $kubeConfig + @('--cache-dir', $Target.CacheDir) + $Arguments) { $psi.ArgumentList.Add($a) }
    foreach ($name in $Environment.Keys) { $psi.Environment[$name] = $Environment[$name] }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $process = [Diagnostics.Process]::Start($psi)
    try {
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $timedOut = -not $process.WaitForExit($TimeoutSec * 1000)
        if ($timedOut) { Stop-ProcessTree $process }
        $process.WaitForExit()
        [pscustomobject]@{
            ExitCode = if ($timedOut) { $null } else { $process.ExitCode }
            Output   = $stdout.GetAwaiter().GetResult()
            Error    = $stderr.GetAwaiter().GetResult()
            TimedOut = $timedOut
        }
    } finally {
        $process.Dispose()
    }
}

function New-FakeKubeService {
    # A Service as the tests' clusters hold it, for Add-FakeKubeObject or a manifest file. It opts in to
    # routing (nginxkit.io/expose: "true") unless it names a path or expose itself, or -NoOptIn is given.
    param(
        [Parameter(Mandatory)] [string] $Name,
        [string] $Namespace = 'default',
        [int] $Port = 80,
        [string] $ClusterIP = '127.0.0.1',
        [hashtable] $Annotations = @{},
        [hashtable] $Labels = @{ app = $Name },
        [object[]] $Ports,
        [switch] $NoOptIn,
        [string] $Created
    )
    $Annotations = $Annotations.Clone()
    if (-not $NoOptIn -and -not $Annotations.ContainsKey('nginxkit.io/expose') -and -not $Annotations.ContainsKey('nginxkit.io/path')) {
        $Annotations['nginxkit.io/expose'] = 'true'
    }
    $meta = [ordered]@{ name = $Name; namespace = $Namespace; labels = $Labels }
    if ($Created) { $meta.creationTimestamp = $Created }
    if ($Annotations.Count) { $meta.annotations = $Annotations }
    [ordered]@{
        apiVersion = 'v1'; kind = 'Service'
        metadata   = $meta
        spec       = [ordered]@{
            clusterIP = $ClusterIP
            selector  = @{ app = $Name }
            ports     = @(if ($Ports) { $Ports } else { @{ name = 'http'; port = $Port; targetPort = 8080 } })
        }
    }
}

Export-ModuleMember -Function Get-KubeTestTarget, Start-FakeKubeApi, Stop-FakeKubeApi, Add-FakeKubeObject, Invoke-FakeKubePatch, Set-FakeKubePodLog, Add-FakeKubeFault,
    Clear-FakeKubeFault, Get-FakeKubeRequest, Clear-FakeKubeRequest, Close-FakeKubeWatch, Invoke-FakeKubeCompaction,
    Reset-FakeKubeApi, Invoke-Kubectl, Get-FakeKubeApiPath, New-FakeKubeConfig, New-FakeKubeServiceAccountToken, New-FakeKubeService
