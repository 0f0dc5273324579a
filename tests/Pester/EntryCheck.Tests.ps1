<#
    Test-NginxKitEntry against the fake kube-apiserver (tests/Fixtures/FakeKubeApi) and a real nginx:
    the entry New-NginxKitManifest makes, applied by Deploy-NginxKit; an entry node whose InternalIP
    is 127.0.0.1; the real nginxkit-sync watch as the sidecar, with its pod's POD_NAME and
    POD_NAMESPACE and its ServiceAccount's token (so the Synced events it records pass the fake's
    RBAC as on a real cluster); nginx serving the config it wrote on the NodePort. A healthy entry
    passes every check; each broken state (no labelled node, an image that cannot be pulled, missing
    RBAC, a config out of step with the Services, a stale sync, no sync) gives its own result with
    its hint. Offline: -Path manifests against -ConfigFile.

    Environment:
      NGINXKIT_REPO_ROOT       the repository root: out/nginxkit-sync/nginxkit-sync must be built
      NGINXKIT_MODULE_PATH     the built NginxKit.psd1 (required)
      NGINXKIT_FAKE_KUBE_API   the built FakeKubeApi.dll; when unset FakeKubeApi.psm1 builds it
      NGINXKIT_REQUIRE_REAL    1 to fail instead of skipping when nginx or kubectl is not installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $nginx = Find-RealTool -Name nginx
    $kubectl = Find-RealTool -Name kubectl
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule FakeKubeApi, NginxHarness

    # The check by name, from one run of Test-NginxKitEntry.
    function Get-Check([object[]] $Results, [string] $Name) {
        $found = @($Results | Where-Object Name -eq $Name)
        $found.Count | Should -Be 1 -Because "Test-NginxKitEntry writes one $Name result"
        $found[0]
    }

    # A free port in the apiserver's default NodePort range, for nginx to listen on as kube-proxy would.
    function Get-FreeNodePort {
        foreach ($try in 1..50) {
            $port = Get-Random -Minimum 30000 -Maximum 32768
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, $port)
            try { $listener.Start(); return $port } catch [Net.Sockets.SocketException] { } finally { $listener.Stop() }
        }
        throw 'no free port in 30000-32767'
    }
}

Describe 'Test-NginxKitEntry against a deployed entry' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not ($nginx -and $kubectl)) {
    BeforeAll {
        $sync = Join-Path (Get-RepoRoot) 'out/nginxkit-sync/nginxkit-sync'
        if (-not (Test-Path -LiteralPath $sync)) { throw "$sync is missing: build.ps1 Build makes it." }
        $fake = Start-FakeKubeApi
        $dir = New-TestDirectory
        $nodePort = Get-FreeNodePort
        $api = { param([string] $Method, [string] $Path, [object] $Body, [string] $ContentType = 'application/merge-patch+json')
            $p = @{ Uri = "$($fake.Url)$Path"; Method = $Method }
            if ($null -ne $Body) { $p.Body = ConvertTo-Json -InputObject $Body -Depth 32 -Compress; $p.ContentType = $ContentType }
            Invoke-RestMethod @p }

        $null = New-NginxKitManifest -NodePort $nodePort | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop
        # The Deployment rolled out, as its controller would say through the status subresource.
        $d = & $api GET /apis/apps/v1/namespaces/nginx-entry/deployments/nginx-entry
        $null = & $api PATCH /apis/apps/v1/namespaces/nginx-entry/deployments/nginx-entry/status @{
            status = @{ observedGeneration = [int]$d.metadata.generation; replicas = 2; updatedReplicas = 2; readyReplicas = 2; availableReplicas = 2 } }
        $labels = @{ 'app.kubernetes.io/name' = 'nginx-entry'; 'app.kubernetes.io/managed-by' = 'nginxkit' }
        $spec = (New-NginxKitManifest | Where-Object Kind -eq Deployment).Spec.Template.Spec
        function New-EntryPod([string] $Name, [string] $Phase = 'Running', [object[]] $Statuses) {
            if (-not $Statuses) { $Statuses = @($spec.Containers | ForEach-Object { @{ name = $_.Name; image = $_.Image; ready = $true; restartCount = 0; state = @{ running = @{ startedAt = '2026-01-01T00:00:00Z' } } } }) }
            @{
                apiVersion = 'v1'; kind = 'Pod'
                metadata   = @{ name = $Name; namespace = 'nginx-entry'; labels = $labels }
                spec       = @{ containers = @($spec.Containers | ForEach-Object { @{ name = $_.Name; image = $_.Image; imagePullPolicy = $_.ImagePullPolicy } }) }
                status     = @{ phase = $Phase; containerStatuses = $Statuses }
            }
        }
        $null = Add-FakeKubeObject -Server $fake -Object @(
            @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = 'entry-1'; labels = @{ role = 'entry' } }
                status = @{ conditions = @(@{ type = 'Ready'; status = 'True' }); addresses = @(@{ type = 'InternalIP'; address = '127.0.0.1' }) } }
            @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = 'other-1' }
                status = @{ conditions = @(@{ type = 'Ready'; status = 'True' }); addresses = @(@{ type = 'InternalIP'; address = '127.0.0.2' }) } }
            New-EntryPod -Name nginx-entry-a
            New-FakeKubeService -Name web -Namespace shop -Port 18081
            New-FakeKubeService -Name api -Namespace apps -Port 18082 -Annotations @{ 'nginxkit.io/path' = '/api/v1' }
        )

        # The sidecar: the real nginxkit-sync as the manifest runs it, with its ServiceAccount's token and its pod.
        $token = New-FakeKubeServiceAccountToken -Server $fake -Namespace nginx-entry -Name nginx-entry
        $entryConfig = New-FakeKubeConfig -Path (Join-Path $dir 'entry.kubeconfig') -Url $fake.Url -Token $token
        $out = Join-Path $dir 'default.conf'
        $psi = [Diagnostics.ProcessStartInfo]::new($sync)
        foreach ($a in 'watch', '--out-file', $out, '--kubeconfig', $entryConfig, '--listen', "127.0.0.1:$nodePort") { $psi.ArgumentList.Add($a) }
        $psi.Environment['POD_NAME'] = 'nginx-entry-a'
        $psi.Environment['POD_NAMESPACE'] = 'nginx-entry'
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $sidecar = [Diagnostics.Process]::Start($psi)
        $sidecarOut = $sidecar.StandardOutput.ReadToEndAsync()
        $sidecarErr = $sidecar.StandardError.ReadToEndAsync()

        function Get-SyncedEvent { @((& $api GET '/api/v1/namespaces/nginx-entry/events?fieldSelector=reason%3DSynced').items) }
        $null = Wait-Until { (Get-SyncedEvent).Count -gt 0 } -Process $sidecar -Because 'a Synced event from nginxkit-sync' `
            -Diagnostics { $sidecarErr.IsCompleted ? $sidecarErr.Result : '(nginxkit-sync still running)' }
        $server = Start-NginxServer -Config (Get-Content -LiteralPath $out -Raw) -Port $nodePort

        function Invoke-Check([switch] $Probe, [TimeSpan] $SyncAge = [TimeSpan]::FromMinutes(15)) {
            @(Test-NginxKitEntry -KubeConfig $fake.KubeConfig -Probe:$Probe -SyncAge $SyncAge -ErrorAction Stop)
        }
    }

    AfterAll {
        if ($sidecar -and -not $sidecar.HasExited) { $sidecar.Kill() }
        if ($server) { Stop-NginxServer $server }
        Stop-FakeKubeApi $fake
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'the sidecar records what it serves as a Synced event on its pod, allowed by its own RBAC' {
        $e = (Get-SyncedEvent)[-1]
        $e.involvedObject.kind | Should -Be 'Pod'
        $e.involvedObject.name | Should -Be 'nginx-entry-a'
        $e.type | Should -Be 'Normal'
        $e.metadata.annotations.'nginxkit.io/route-count' | Should -Be '2'
        $e.metadata.annotations.'nginxkit.io/routes' | Should -Match '(?m)^_/web/\tshop/web\thttp://127\.0\.0\.1:18081/$'
        $e.metadata.annotations.'nginxkit.io/config-hash' | Should -Be ((Get-Content -LiteralPath $out -TotalCount 1) -replace '^# nginxkit-hash: ', '')
        # kubectl reads it as any event.
        $k = Invoke-Kubectl $fake @('get', 'events', '-n', 'nginx-entry', '--field-selector', 'reason=Synced', '-o', 'jsonpath={.items[*].involvedObject.name}')
        $k.ExitCode | Should -Be 0 -Because $k.Error
        $k.Output | Should -Match 'nginx-entry-a'
    }

    It 'a healthy entry passes every check, the NodePort probed on the entry node, and nothing is written' {
        Clear-FakeKubeRequest -Server $fake
        $results = Invoke-Check -Probe
        @($results.Name) | Should -Be @('EntryNodes', 'Rollout', 'NodePort', 'Rbac', 'Config', 'LastSync')
        foreach ($r in $results) {
            $r.PSObject.TypeNames[0] | Should -Be 'NginxKit.Engine.Kubernetes.EntryCheckResult'
            "$($r.Status)" | Should -Be 'Pass' -Because "$($r.Name): $($r.Detail) $($r.Hint)"
        }
        (Get-Check $results EntryNodes).Detail | Should -Match 'labelled role=entry, all Ready: entry-1\.'
        (Get-Check $results NodePort).Detail | Should -Match "answered 200 on entry-1 \(127\.0\.0\.1:$nodePort\)"
        (Get-Check $results Config).Detail | Should -Match 'nginx-entry-a serves the 2 routes the Services give now'
        @(Get-FakeKubeRequest -Server $fake -ExcludeDiscovery | Where-Object method -ne 'GET') | Should -BeNullOrEmpty -Because 'Test-NginxKitEntry only reads'
    }

    It 'shows Name, Status and Detail in a table and the Hint in a list' {
        $results = Invoke-Check
        $table = $results | Format-Table | Out-String -Width 400
        $table | Should -Match 'Name\s+Status\s+Detail'
        $table | Should -Not -Match 'Hint'
        ($results | Format-List | Out-String -Width 400) | Should -Match '(?m)^Hint\s+:'
    }

    It 'no labelled node: EntryNodes fails, pointing to Set-EntryNodeLabel' {
        $k = Invoke-Kubectl $fake @('label', 'node', 'entry-1', 'role-')
        $k.ExitCode | Should -Be 0 -Because $k.Error
        try {
            $results = Invoke-Check
            $r = Get-Check $results EntryNodes
            "$($r.Status)" | Should -Be 'Fail'
            $r.Detail | Should -Match 'No node carries the label role=entry'
            $r.Hint | Should -Match 'Set-EntryNodeLabel -Name <node>'
            "$((Get-Check $results Rollout).Status)" | Should -Be 'Pass' -Because 'each broken state gives its own Fail'
        } finally {
            $k = Invoke-Kubectl $fake @('label', 'node', 'entry-1', 'role=entry')
            $k.ExitCode | Should -Be 0 -Because $k.Error
        }
    }

    It 'an image that cannot be pulled (<Reason>): Rollout fails with the image, its pull policy and the registry hint' -ForEach @(
        @{ Reason = 'ErrImagePull' }, @{ Reason = 'ImagePullBackOff' }
    ) {
        $image = $spec.Containers[0].Image
        $null = Add-FakeKubeObject -Server $fake -Object (New-EntryPod -Name nginx-entry-b -Phase Pending -Statuses @(
                @{ name = 'nginx'; image = $image; ready = $false; restartCount = 0; state = @{ waiting = @{ reason = $Reason; message = 'pull access denied for nginxkit' } } }))
        try {
            $r = Get-Check (Invoke-Check) Rollout
            "$($r.Status)" | Should -Be 'Fail'
            $r.Detail | Should -Match ([regex]::Escape("Pod nginx-entry/nginx-entry-b container 'nginx' cannot pull image '$image' with pull policy IfNotPresent ($Reason`: pull access denied"))
            $r.Hint | Should -Match 'New-NginxKitManifest -Image'
        } finally {
            $k = Invoke-Kubectl $fake @('delete', 'pod', 'nginx-entry-b', '-n', 'nginx-entry')
            $k.ExitCode | Should -Be 0 -Because $k.Error
        }
    }

    It 'missing RBAC: Rbac fails naming each permission the sidecar lacks' {
        $k = Invoke-Kubectl $fake @('delete', 'clusterrolebinding', 'nginx-entry-watch-services')
        $k.ExitCode | Should -Be 0 -Because $k.Error
        try {
            $r = Get-Check (Invoke-Check) Rbac
            "$($r.Status)" | Should -Be 'Fail'
            $r.Detail | Should -Be 'ServiceAccount nginx-entry/nginx-entry may not list services in every namespace, watch services in every namespace, create events in every namespace.'
            $r.Hint | Should -Match 'Deploy-NginxKit'
            # The API server's authorizer, applying the same rules to the sidecar's token, agrees.
            $denied = Invoke-WebRequest -Uri "$($fake.Url)/api/v1/services" -Headers @{ Authorization = "Bearer $token" } -SkipHttpErrorCheck
            [int]$denied.StatusCode | Should -Be 403
        } finally {
            $null = New-NginxKitManifest -NodePort $nodePort | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop
        }
        "$((Get-Check (Invoke-Check) Rbac).Status)" | Should -Be 'Pass'
    }

    It 'a config out of step with the Services: Config fails naming the route the pod does not serve' {
        # The sidecar stops following the cluster; a Service created afterwards is not served.
        $sidecar.Kill()
        $sidecar.WaitForExit(30000) | Should -BeTrue
        $null = Add-FakeKubeObject -Server $fake -Object (New-FakeKubeService -Name billing -Namespace shop -Port 18083)
        $r = Get-Check (Invoke-Check) Config
        "$($r.Status)" | Should -Be 'Fail'
        $r.Detail | Should -Match 'differs from the 3 routes the Services give now\. pod nginx-entry-a: 1 not served: _/billing/ \(shop/billing\)'
        $r.Hint | Should -Match 'kubectl logs -n nginx-entry <pod> -c sync'
        (Invoke-RawHttp -Port $nodePort -Path '/billing/').StatusCode | Should -Be 404 -Because 'nginx indeed does not serve it'
    }

    It 'a stale sync: LastSync fails past -SyncAge, pointing to the sidecar''s log' {
        $last = (Get-SyncedEvent)[-1]
        $k = Invoke-Kubectl $fake @('delete', 'events', '--all', '-n', 'nginx-entry')
        $k.ExitCode | Should -Be 0 -Because $k.Error
        # The same event, recorded an hour ago.
        $hourAgo = [DateTime]::UtcNow.AddHours(-1).ToString('yyyy-MM-ddTHH:mm:ssZ')
        # List items carry no kind; the object stored carries it again.
        $old = $last | Select-Object * -ExcludeProperty metadata, apiVersion, kind
        $old | Add-Member -NotePropertyName apiVersion -NotePropertyValue v1
        $old | Add-Member -NotePropertyName kind -NotePropertyValue Event
        $old | Add-Member -NotePropertyName metadata -NotePropertyValue @{ name = 'nginx-entry-a.old'; namespace = 'nginx-entry'; annotations = $last.metadata.annotations }
        $old.firstTimestamp = $hourAgo
        $old.lastTimestamp = $hourAgo
        $null = Add-FakeKubeObject -Server $fake -Object $old
        $r = Get-Check (Invoke-Check) LastSync
        "$($r.Status)" | Should -Be 'Fail'
        $r.Detail | Should -Match '^Stale: last sync 60 min ago \(nginx-entry-a'
        $r.Hint | Should -Match 'kubectl logs -n nginx-entry nginx-entry-a -c sync'
        "$((Get-Check (Invoke-Check -SyncAge ([TimeSpan]::FromHours(2))) LastSync).Status)" | Should -Be 'Pass'
    }

    It 'no sync at all: LastSync fails for the pod without a Synced event' {
        $k = Invoke-Kubectl $fake @('delete', 'events', '--all', '-n', 'nginx-entry')
        $k.ExitCode | Should -Be 0 -Because $k.Error
        $results = Invoke-Check
        $r = Get-Check $results LastSync
        "$($r.Status)" | Should -Be 'Fail'
        $r.Detail | Should -Match 'No Synced event from nginx-entry-a'
        "$((Get-Check $results Config).Status)" | Should -Be 'Warn' -Because 'what the pod serves is unknown'
    }

    It 'a NodePort nothing answers on: NodePort fails with the node and the error' {
        Stop-NginxServer $server
        $script:server = $null
        $r = Get-Check (Invoke-Check -Probe) NodePort
        "$($r.Status)" | Should -Be 'Fail'
        $r.Detail | Should -Match "did not answer 200 on 1 of 1 nodes: entry-1 \(127\.0\.0\.1:$nodePort\)"
        $r.Hint | Should -Match 'firewall'
    }

    It 'a cluster that does not answer is one KubeUnreachable error and no result' {
        $config = New-FakeKubeConfig -Path (Join-Path $dir 'nowhere.kubeconfig') -Url "http://127.0.0.1:$(Get-FreeTcpPort)"
        $results = [Collections.Generic.List[object]]::new()
        $thrown = $null
        try { Test-NginxKitEntry -KubeConfig $config -ErrorAction Stop | ForEach-Object { $results.Add($_) } } catch { $thrown = $_ }
        $results.Count | Should -Be 0
        $thrown.FullyQualifiedErrorId | Should -BeLike 'KubeUnreachable,*'
        "$thrown" | Should -Match 'Checking entry nginx-entry/nginx-entry: the cluster did not answer'
    }
}

Describe 'Test-NginxKitEntry -Path -ConfigFile, offline' -Tag 'Kubernetes', 'Nginx' {
    BeforeAll {
        $dir = New-TestDirectory
        $manifests = Join-Path $dir 'services.yaml'
        $services = @(
            New-FakeKubeService -Name web -Namespace shop -Port 8081
            New-FakeKubeService -Name api -Namespace apps -Port 8082 -Annotations @{ 'nginxkit.io/path' = '/api/v1' }
        )
        ConvertTo-Json -InputObject @{ apiVersion = 'v1'; kind = 'List'; items = $services } -Depth 16 | Set-Content -LiteralPath $manifests
        $conf = Join-Path $dir 'default.conf'
        $null = Get-NginxRoute -Path $manifests | New-NginxConf -OutFile $conf -ErrorAction Stop
    }

    AfterAll {
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'the config New-NginxConf wrote from the manifests passes: only ConfigFile and Config run' {
        $results = @(Test-NginxKitEntry -Path $manifests -ConfigFile $conf -ErrorAction Stop)
        @($results.Name) | Should -Be @('ConfigFile', 'Config')
        @($results.Status | ForEach-Object { "$_" }) | Should -Be @('Pass', 'Pass')
        $results[1].Detail | Should -Match 'serves the 2 routes the manifests give'
    }

    It 'takes the manifests from Get-ChildItem' {
        $results = @(Get-Item -LiteralPath $manifests | Test-NginxKitEntry -ConfigFile $conf -ErrorAction Stop)
        "$($results[1].Status)" | Should -Be 'Pass'
    }

    It 'a manifest with a Service the config lacks fails Config, naming the route' {
        $more = Join-Path $dir 'more.yaml'
        ConvertTo-Json -InputObject (New-FakeKubeService -Name billing -Namespace shop -Port 8083) -Depth 16 | Set-Content -LiteralPath $more
        $r = @(Test-NginxKitEntry -Path $manifests, $more -ConfigFile $conf -ErrorAction Stop)[1]
        "$($r.Status)" | Should -Be 'Fail'
        $r.Detail | Should -Match '1 not served: _/billing/ \(shop/billing\)'
        $r.Hint | Should -Match 'New-NginxConf'
    }

    It 'a config edited by hand warns on ConfigFile' {
        $edited = Join-Path $dir 'edited.conf'
        (Get-Content -LiteralPath $conf -Raw) -replace 'proxy_redirect off;', 'proxy_redirect default;' | Set-Content -LiteralPath $edited -NoNewline
        "$(@(Test-NginxKitEntry -Path $manifests -ConfigFile $edited -ErrorAction Stop)[0].Status)" | Should -Be 'Warn'
    }

    It 'a config NginxKit did not write is ConfigNotFromNginxKit' {
        $foreign = Join-Path $dir 'foreign.conf'
        Set-Content -LiteralPath $foreign -Value "server { listen 80; }`n"
        { Test-NginxKitEntry -Path $manifests -ConfigFile $foreign -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigNotFromNginxKit,*'
    }

    It '-KubeConfig with -Path is KubeParameterWithPath' {
        { Test-NginxKitEntry -Path $manifests -ConfigFile $conf -KubeConfig (Join-Path $dir 'x') -ErrorAction Stop } | Should -Throw -ErrorId 'KubeParameterWithPath,*'
    }
}
