<#
    How Sync-NginxConf -Watch reloads a real nginx, for each way it can: SIGHUP to the PID in nginx's
    pid file (-ReloadPidFile, what the entry's sidecar does) and nginx -s reload (-ReloadNginx). Traffic
    must move to a new Service after the reload; and when the reload cannot happen (a missing pid
    file, a stale one, an nginx that is gone) the sync event says Written True, Reloaded False, with
    ReloadFailed's message in Error.

    Environment:
      NGINXKIT_MODULE_PATH     the built NginxKit.psd1 (required)
      NGINXKIT_FAKE_KUBE_API   the built FakeKubeApi.dll; when unset FakeKubeApi.psm1 builds it
      NGINXKIT_ECHO_BACKEND    the built EchoBackend.dll; when unset NginxHarness.psm1 builds it
      NGINXKIT_REQUIRE_REAL    1 to fail instead of skipping when nginx is not installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $nginx = Find-RealTool -Name nginx
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/FakeKubeApi.psm1" -Force
    Import-Module "$PSScriptRoot/NginxHarness.psm1" -Force
    Import-Module (Get-NginxKitModulePath) -Force
    $nginxPath = Find-RealTool -Name nginx

    function New-TestService([string] $Name, [int] $Port) { New-FakeKubeService -Name $Name -Port $Port }

    function Wait-Until([scriptblock] $Condition, [string] $Because, [object] $Watcher, [int] $TimeoutSec = 30) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while (-not ($result = & $Condition)) {
            if ($Watcher -and $Watcher.Process.HasExited) { throw "The watcher exited with $($Watcher.Process.ExitCode) while waiting for $Because`: $($Watcher.StdErr.GetAwaiter().GetResult())" }
            if ([DateTime]::UtcNow -gt $deadline) {
                $log = if ($Watcher) { (Get-WatcherLog $Watcher | Select-Object -Last 10 | ForEach-Object { ConvertTo-Json -InputObject $_ -Compress -Depth 6 }) -join "`n" }
                throw "Timed out after $TimeoutSec s waiting for $Because.`n$log"
            }
            Start-Sleep -Milliseconds 50
        }
        $result
    }

    # The first sync event after log line $From whose Added names the route.
    function Wait-SyncOf([object] $Watcher, [int] $From, [string] $Route) {
        Wait-Until -Watcher $Watcher -Because "a sync that adds $Route" -Condition {
            Get-WatcherEntry $Watcher -From $From -Kind event | Where-Object { $_.event.Added -contains $Route } | Select-Object -First 1
        }
    }

    function Get-Served([object] $Server, [string] $Path) {
        try { Invoke-RawHttp -Port $Server.Port -Path $Path -TimeoutSec 5 } catch { $null }
    }
}

Describe 'Sync-NginxConf -Watch reloads a real nginx by <Reload>' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) -ForEach @(
    @{ Reload = 'PidFile' }
    @{ Reload = 'Nginx' }
) {
    BeforeAll {
        $dir = New-TestDirectory
        $backends = @(Start-EchoBackend -Name alpha, beta, gamma)
        $port = @{}
        foreach ($b in $backends) { $port[$b.Name] = $b.Port }
        $fake = Start-FakeKubeApi
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name alpha -Port $port.alpha)
        $listen = Get-FreeTcpPort
        $initial = Join-Path $dir 'initial.conf'
        $null = Sync-NginxConf -Once -OutFile $initial -KubeConfig $fake.KubeConfig -Listen "127.0.0.1:$listen" -NginxPath $nginxPath -ErrorAction Stop
        $server = Start-NginxServer -Config (Get-Content -LiteralPath $initial -Raw) -NginxPath $nginxPath
        $watcher = Start-SyncWatcher -Fake $fake -Nginx $server -Directory $dir -Reload $Reload
        $null = Wait-Until -Watcher $watcher -Because 'the first sync' -Condition { Get-WatcherEntry $watcher -Kind event }
    }

    AfterAll {
        Stop-SyncWatcher $watcher
        if ($watcher) { $watcher.Process.Dispose() }
        Stop-NginxServer $server
        Stop-FakeKubeApi $fake
        if ($backends) { $backends | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It 'moves traffic to a new Service: the same master, new workers serving the new route' {
        $master = [int](Get-Content -LiteralPath (Join-Path $server.Prefix 'nginx.pid'))
        (Get-Served $server '/beta/x').StatusCode | Should -Be 404
        $from = @(Get-WatcherLog $watcher).Count
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name beta -Port $port.beta)
        $sync = Wait-SyncOf $watcher $from '_/beta/'
        $sync.event.Written | Should -BeTrue
        $sync.event.Reloaded | Should -BeTrue
        $sync.event.Error | Should -BeNullOrEmpty
        $r = Wait-Until -Because '/beta/ served by the reloaded nginx' -Condition { $s = Get-Served $server '/beta/x'; if ($s.StatusCode -eq 200) { $s } }
        $r.Body | Should -Match '^beta GET /x HTTP/1\.[01]$'
        [int](Get-Content -LiteralPath (Join-Path $server.Prefix 'nginx.pid')) | Should -Be $master
        $server.Process.HasExited | Should -BeFalse
    }

    It 'an nginx that is gone (its pid file removed with it): ReloadFailed in the event, Written True, Reloaded False' {
        Stop-NginxServer $server   # removes the prefix, pid file included
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $server.ConfPath)
        $from = @(Get-WatcherLog $watcher).Count
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name gamma -Port $port.gamma)
        $sync = Wait-SyncOf $watcher $from '_/gamma/'
        $sync.event.Written | Should -BeTrue
        $sync.event.Reloaded | Should -BeFalse
        $sync.event.Error | Should -Match '^nginx was not reloaded: '
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Match '/gamma/' -Because 'the new config stays written'
        $watcher.Process.HasExited | Should -BeFalse -Because 'a failed reload does not end the watch'
    }
}

Describe 'Sync-NginxConf -Watch -ReloadPidFile with a pid file that names no nginx' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) -ForEach @(
    @{ Case = 'a missing pid file'; Content = $null; Expected = "cannot read the pidfile '.+'" }
    @{ Case = 'a stale pid file (no such process)'; Content = 'stale'; Expected = 'cannot signal PID \d+' }
    @{ Case = 'a pid file without a PID'; Content = 'garbage'; Expected = "the pidfile '.+' holds no nginx master PID" }
) {
    BeforeAll {
        $dir = New-TestDirectory
        $backends = @(Start-EchoBackend -Name alpha, beta)
        $fake = Start-FakeKubeApi
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name alpha -Port $backends[0].Port)
        $listen = Get-FreeTcpPort
        $initial = Join-Path $dir 'initial.conf'
        $null = Sync-NginxConf -Once -OutFile $initial -KubeConfig $fake.KubeConfig -Listen "127.0.0.1:$listen" -NginxPath $nginxPath -ErrorAction Stop
        $server = Start-NginxServer -Config (Get-Content -LiteralPath $initial -Raw) -NginxPath $nginxPath
        $pidFile = Join-Path $dir 'other.pid'
        switch ($Content) {
            # A PID no process can have (above the kernel's pid_max): a recycled real one could belong to anything.
            'stale' { Set-Content -LiteralPath $pidFile -Value ([int](Get-Content /proc/sys/kernel/pid_max) + 1) }
            'garbage' { Set-Content -LiteralPath $pidFile -Value 'not a pid' }
        }
        $watcher = Start-SyncWatcher -Fake $fake -Nginx $server -Directory $dir -Reload PidFile -PidFile $pidFile
        $null = Wait-Until -Watcher $watcher -Because 'the first sync' -Condition { Get-WatcherEntry $watcher -Kind event }
    }

    AfterAll {
        Stop-SyncWatcher $watcher
        if ($watcher) { $watcher.Process.Dispose() }
        Stop-NginxServer $server
        Stop-FakeKubeApi $fake
        if ($backends) { $backends | Stop-EchoBackend }
        if ($dir) { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore }
    }

    It '<Case>: ReloadFailed in the event, Written True, Reloaded False, and the running nginx keeps its config' {
        $from = @(Get-WatcherLog $watcher).Count
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name beta -Port $backends[1].Port)
        $sync = Wait-SyncOf $watcher $from '_/beta/'
        $sync.event.Written | Should -BeTrue
        $sync.event.Reloaded | Should -BeFalse
        $sync.event.Error | Should -Match "^nginx was not reloaded: $Expected"
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Match '/beta/'
        (Get-Served $server '/beta/x').StatusCode | Should -Be 404 -Because 'nginx was not reloaded, so it serves the config it had'
        (Get-Served $server '/alpha/x').StatusCode | Should -Be 200
    }
}

Describe 'Sync-NginxConf -Once with a reload option' -Tag 'Kubernetes' {
    It 'is refused with ReloadNeedsWatch, which says why, before anything is read: <Option>' -ForEach @(
        @{ Option = '-ReloadPidFile'; Parameters = @{ ReloadPidFile = '/run/nginx/nginx.pid' } }
        @{ Option = '-ReloadCommand'; Parameters = @{ ReloadCommand = 'nginx', '-s', 'reload' } }
        @{ Option = '-ReloadNginx'; Parameters = @{ ReloadNginx = $true } }
    ) {
        $out = Join-Path $TestDrive 'default.conf'
        { Sync-NginxConf -Once -OutFile $out -KubeConfig (Join-Path $TestDrive 'none.kubeconfig') @Parameters -ErrorAction Stop } |
            Should -Throw -ErrorId 'ReloadNeedsWatch,*' -ExpectedMessage '*Reloading needs a watch*'
        $out | Should -Not -Exist
    }
}
