<#
    The entry pod with real containers: the image src/Container/Dockerfile builds (on a Debian base
    made here, since registries are out of reach), run by a private dockerd exactly as the Deployment
    from New-NginxKitManifest states each container (ContainerHarness.psm1 reads them from the
    objects): its command and args, mounts, user and security context, the emptyDirs as docker
    volumes, the shared process and network namespaces, and the in-cluster configuration (a
    service-account token, the CA and KUBERNETES_SERVICE_HOST/PORT) pointing at the fake API server
    over TLS.

    The pod shares the host's network namespace, so nginx listens on the manifest's port (8080) on
    this machine, and reaches the echo backends and the fake on loopback.

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL    1 to fail instead of skipping when dockerd, debootstrap or root is missing
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $supported = [Environment]::IsPrivilegedProcess -and (Find-RealTool -Name dockerd) -and (Find-RealTool -Name debootstrap)
    if (-not $supported -and $env:NGINXKIT_REQUIRE_REAL -eq '1') { throw 'NGINXKIT_REQUIRE_REAL=1 but the pod test needs root, dockerd and debootstrap.' }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule FakeKubeApi, NginxHarness, ContainerHarness

    function New-TestService([string] $Name, [int] $Port, [hashtable] $Annotations = @{}) {
        New-FakeKubeService -Name $Name -Namespace apps -Port $Port -Annotations $Annotations
    }

    function Get-Served([string] $Path) {
        try { Invoke-RawHttp -Port $script:HttpPort -Path $Path -TimeoutSec 5 } catch { $null }
    }

    # The JSON lines a container wrote, parsed; the test fails on any line that is not one.
    function Get-JsonLog([object] $Pod, [string] $Container) {
        foreach ($line in Get-EntryPodLog -Pod $Pod -Container $Container) { $line | ConvertFrom-Json -Depth 16 }
    }

    function Get-HostPid([object] $Pod, [string] $Container) {
        [int](Invoke-Docker -Daemon $Pod.Daemon -Arguments @('inspect', '-f', '{{.State.Pid}}', "$($Pod.Name)-$Container")).Output
    }

    function Get-PodDiagnostics([object] $Pod) {
        foreach ($c in $Pod.Containers) { "--- $c"; Get-EntryPodLog -Pod $Pod -Container $c | Select-Object -Last 15 }
    }
}

Describe 'The entry pod, container by container as New-NginxKitManifest states it' -Tag 'Kubernetes', 'Docker', 'Nginx', 'Real', 'Slow' -Skip:(-not $supported) {
    BeforeAll {
        $dir = New-TestDirectory
        $objects = @(New-NginxKitManifest)
        $deployment = $objects | Where-Object Kind -eq 'Deployment'
        $podSpec = $deployment.Spec.Template.Spec
        $script:HttpPort = [int]($podSpec.Containers | Where-Object Name -eq 'nginx').Ports[0].ContainerPort
        if (Test-TcpPort $script:HttpPort) { throw "Port $($script:HttpPort) is in use on this machine; the pod shares the host's network namespace and nginx must listen there." }

        $daemon = Start-PrivateDockerd
        $base = Get-EntryTestBase -Daemon $daemon
        $image = Build-EntryImage -Daemon $daemon -Base $base -Tag ($podSpec.Containers[0].Image)

        $backends = @(Start-EchoBackend -Name alpha, beta)
        $port = @{}
        foreach ($b in $backends) { $port[$b.Name] = $b.Port }
        $token = 'entry-' + [guid]::NewGuid().ToString('N')
        $fake = Start-FakeKubeApi -Tls -Token $token
        $apiPort = ([Uri]$fake.Url).Port

        # What the kubelet projects into the token volume.
        $serviceAccount = Join-Path $dir 'serviceaccount'
        $null = New-Item -ItemType Directory -Path $serviceAccount
        Set-Content -LiteralPath "$serviceAccount/token" -Value $token -NoNewline
        Copy-Item -LiteralPath (Join-Path $fake.Pki 'ca.crt') -Destination "$serviceAccount/ca.crt"
        Set-Content -LiteralPath "$serviceAccount/namespace" -Value $deployment.Metadata.NamespaceProperty -NoNewline

        $null = Add-FakeKubeObject -Server $fake -Object @(
            New-TestService -Name alpha -Port $port.alpha
            # One bad Service must not keep the pod from starting (a crash-looping init container would).
            New-TestService -Name broken -Port $port.beta -Annotations @{ 'nginxkit.io/port' = 'nope' }
        )
        $pod = Start-EntryPod -Daemon $daemon -Deployment $deployment -Name entry -ServiceAccountDirectory $serviceAccount `
            -ApiHost '127.0.0.1' -ApiPort $apiPort -PauseImage $base
        if (-not $pod.Failed) {
            $null = Wait-Until -Because 'nginx to serve /alpha/' -Diagnostics { Get-PodDiagnostics $pod } -Condition { (Get-Served '/alpha/x').StatusCode -eq 200 }
        }
    }

    AfterAll {
        Stop-EntryPod $pod
        Stop-PrivateDockerd $daemon
        Stop-FakeKubeApi $fake
        if ($backends) { $backends | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'the init container runs the manifest''s command and exits 0 with a bad Service present: the good route is written, the bad one logged' {
        $init = $pod.Init | Where-Object Name -eq 'render'
        $init.ExitCode | Should -Be 0 -Because "$($init.Output)`n$($init.Error)"
        $pod.Failed | Should -BeFalse
        $event = $init.Output | ConvertFrom-Json
        $event.Trigger | Should -Be 'once'
        $event.Written | Should -BeTrue
        $event.Routes | Should -Be 1
        $event.Refused | Should -Be 1
        $event.Validated | Should -BeTrue -Because 'the image''s own nginx checked the config before it was written'
        $refused = @($init.Error -split "`n" | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
        @($refused | Where-Object Level -eq 'error').ErrorId | Should -Be @('ServicePortNotFound')
        $refused[0].Target | Should -Be 'apps/broken'
        $conf = Get-EntryPodFile -Pod $pod -Volume conf -Path default.conf -Image $image
        $conf | Should -Match "(?m)^\s*listen $($script:HttpPort) default_server;"
        $conf | Should -Match ([regex]::Escape("proxy_pass http://127.0.0.1:$($port.alpha)/;"))
        $conf | Should -Not -Match 'broken'
    }

    It 'nginx starts on that config as the manifest''s non-root user and serves /alpha/ with the prefix stripped' {
        $r = Get-Served '/alpha/some/path?q=1'
        $r.StatusCode | Should -Be 200
        $r.Body | Should -Match '^alpha GET /some/path\?q=1 HTTP/1\.[01]$'
        $uid = [int]($podSpec.SecurityContext.RunAsUser)
        $uid | Should -Not -Be 0
        foreach ($c in 'nginx', 'sync') {
            $status = Get-Content "/proc/$(Get-HostPid $pod $c)/status"
            ($status | Where-Object { $_ -like 'Uid:*' }) -split '\s+' | Select-Object -Skip 1 | Should -Be @($uid, $uid, $uid, $uid) -Because "$c runs as the manifest's user"
            ($status | Where-Object { $_ -like 'CapEff:*' }) -split '\s+' | Select-Object -Last 1 | Should -Be '0000000000000000' -Because "$c keeps no capability"
        }
    }

    It 'serves a Service created in the cluster once the sidecar has signalled nginx: the same master, new workers' {
        $master = [int](Get-EntryPodFile -Pod $pod -Volume run -Path nginx.pid -Image $image)
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name beta -Port $port.beta)
        $r = Wait-Until -Because '/beta/ to be served' -Diagnostics { Get-PodDiagnostics $pod } -Condition {
            $s = Get-Served '/beta/x'; if ($s.StatusCode -eq 200) { $s }
        }
        $r.Body | Should -Match '^beta GET /x HTTP/1\.[01]$'
        $reload = @(Get-JsonLog $pod 'sync' | Where-Object { $_.PSObject.Properties['Trigger'] -and $_.Added -contains '_/beta/' })
        $reload.Count | Should -Be 1
        $reload.Written | Should -BeTrue
        $reload.Reloaded | Should -BeTrue -Because 'the sidecar sent SIGHUP to the pid in nginx''s pid file'
        $reload.Error | Should -BeNullOrEmpty
        [int](Get-EntryPodFile -Pod $pod -Volume run -Path nginx.pid -Image $image) | Should -Be $master -Because 'a reload keeps the master'
    }

    It 'a hostile Service changes nothing: it is refused in the log, the config stays as it was, traffic goes on' {
        $confBefore = Get-EntryPodFile -Pod $pod -Volume conf -Path default.conf -Image $image
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name evil -Port $port.alpha -Annotations @{
                'nginxkit.io/path' = '/x/ { return 200; } } server { listen 18099; location /y/' })
        $refusal = Wait-Until -Because 'the sidecar to refuse apps/evil' -Diagnostics { Get-PodDiagnostics $pod } -Condition {
            Get-JsonLog $pod 'sync' | Where-Object { $_.PSObject.Properties['Level'] -and $_.Message -like '*(apps/evil)*' }
        }
        @($refusal)[0].Level | Should -Be 'error'
        @($refusal)[0].ErrorId | Should -Be 'InvalidRoutePath'
        Get-EntryPodFile -Pod $pod -Volume conf -Path default.conf -Image $image | Should -BeExactly $confBefore
        (Get-Served '/alpha/x').StatusCode | Should -Be 200
        Test-TcpPort 18099 | Should -BeFalse
    }

    It 'the logs are plain JSON lines, without a colour code' {
        foreach ($c in 'sync') {
            $lines = @(Get-EntryPodLog -Pod $pod -Container $c)
            $lines.Count | Should -BeGreaterThan 0
            foreach ($line in $lines) {
                $line | Should -Not -Match "`e" -Because $line
                { $line | ConvertFrom-Json } | Should -Not -Throw -Because $line
            }
        }
    }

    It 'every call to the API used the mounted token, over TLS' {
        $calls = @(Get-FakeKubeRequest -Server $fake -ExcludeDiscovery | Where-Object path -like '/api/v1/services*')
        $calls.Count | Should -BeGreaterThan 1 -Because 'the init container listed, and the sidecar listed and watched'
        @($calls.user | Sort-Object -Unique) | Should -Be @('token')
        @($calls | Where-Object watch).Count | Should -BeGreaterThan 0
        $fake.Url | Should -BeLike 'https://*'
    }

    It 'nginx keeps serving with the sidecar killed' {
        $null = Invoke-Docker -Daemon $daemon -Arguments @('kill', "$($pod.Name)-sync")
        $null = Wait-Until -Because 'the sidecar to be gone' -Condition {
            (Invoke-Docker -Daemon $daemon -Arguments @('inspect', '-f', '{{.State.Running}}', "$($pod.Name)-sync")).Output -eq 'false'
        }
        (Get-Served '/alpha/x').StatusCode | Should -Be 200
        (Get-Served '/beta/x').StatusCode | Should -Be 200
    }
}

Describe 'The entry pod''s init container without a usable service account' -Tag 'Kubernetes', 'Docker', 'Real', 'Slow' -Skip:(-not $supported) {
    BeforeAll {
        $dir = New-TestDirectory
        $deployment = @(New-NginxKitManifest) | Where-Object Kind -eq 'Deployment'
        $daemon = Start-PrivateDockerd
        $base = Get-EntryTestBase -Daemon $daemon
        $null = Build-EntryImage -Daemon $daemon -Base $base -Tag ($deployment.Spec.Template.Spec.Containers[0].Image)
        $fake = Start-FakeKubeApi -Tls -Token 'the-right-token'
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name alpha -Port 9)
        $serviceAccount = Join-Path $dir 'serviceaccount'
        $null = New-Item -ItemType Directory -Path $serviceAccount
        Set-Content -LiteralPath "$serviceAccount/token" -Value 'a-stale-token' -NoNewline
        Copy-Item -LiteralPath (Join-Path $fake.Pki 'ca.crt') -Destination "$serviceAccount/ca.crt"
        Set-Content -LiteralPath "$serviceAccount/namespace" -Value 'nginx-entry' -NoNewline
        $pod = Start-EntryPod -Daemon $daemon -Deployment $deployment -Name refused -ServiceAccountDirectory $serviceAccount `
            -ApiHost '127.0.0.1' -ApiPort ([Uri]$fake.Url).Port -PauseImage $base
    }

    AfterAll {
        Stop-EntryPod $pod
        Stop-PrivateDockerd $daemon
        Stop-FakeKubeApi $fake
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'exits 1 with KubeUnauthorized, so the pod does not start on an empty config' {
        $pod.Failed | Should -BeTrue
        $init = $pod.Init | Where-Object Name -eq 'render'
        $init.ExitCode | Should -Be 1
        $init.Output | Should -BeNullOrEmpty -Because 'no sync event: nothing was written'
        ($init.Error | ConvertFrom-Json).ErrorId | Should -Be 'KubeUnauthorized'
        @(Get-FakeKubeRequest -Server $fake -ExcludeDiscovery | Where-Object path -like '/api/v1/services*').status | Should -Contain 401
    }
}
