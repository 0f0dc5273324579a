<#
    How Sync-NginxConf -Watch reloads a real nginx, for each way it can: SIGHUP to the PID in nginx's
    pid file (-ReloadPidFile, what the entry's sidecar does) and nginx -s reload (-ReloadNginx). Traffic
    must move to a new Service after the reload; and when the reload cannot happen (a missing pid
    file, a stale one, an nginx that is gone) the sync event says Written True, Reloaded False, with
    ReloadFailed's message in Error. Needs nginx, the fake API server and the echo backends
    (the environment they read: TestHelpers.psm1).
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $nginx = Find-RealTool -Name nginx
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule FakeKubeApi, NginxHarness
    $nginxPath = Find-RealTool -Name nginx

    function New-TestService([string] $Name, [int] $Port) { New-FakeKubeService -Name $Name -Port $Port }

    # The first sync event after log line $From whose Added names the route.
    function Wait-SyncOf([object] $Watcher, [int] $From, [string] $Route) {
        Wait-Until -Process $Watcher.Process -Diagnostics { Get-WatcherDiagnostics $Watcher } -Because "a sync that adds $Route" -Condition {
            Get-WatcherEntry $Watcher -From $From -Kind event | Where-Object { $_.event.Added -contains $Route } | Select-Object -First 1
        }
    }

    function Get-Served([object] $Server, [string] $Path) {
        try { Invoke-RawHttp -Port $Server.Port -Path $Path -TimeoutSec 5 } catch { $null }
    }

    # A watcher reloading a real nginx, after its first sync: echo backends named -Backend, the first
    # of them a Service on the fake API server, nginx started from Sync-NginxConf -Once's file.
    # Returns Dir, Backends, Port (by backend name), Fake, Server and Watcher; Stop-ReloadSetup ends it.
    function Start-ReloadSetup([string[]] $Backend, [hashtable] $Watcher) {
        $setup = [pscustomobject]@{ Dir = New-TestDirectory; Backends = @(); Port = @{}; Fake = $null; Synced = $null; Server = $null; Watcher = $null }
        try {
            $setup.Backends = @(Start-EchoBackend -Name $Backend)
            foreach ($b in $setup.Backends) { $setup.Port[$b.Name] = $b.Port }
            $setup.Fake = Start-FakeKubeApi
            $null = Add-FakeKubeObject -Server $setup.Fake -Object (New-TestService -Name $Backend[0] -Port $setup.Port[$Backend[0]])
            $setup.Synced = Start-SyncedNginx -Fake $setup.Fake -Directory $setup.Dir -NginxPath $nginxPath -Watcher $Watcher
            $setup.Server, $setup.Watcher = $setup.Synced.Server, $setup.Synced.Watcher
            $null = Wait-Until -Process $setup.Watcher.Process -Diagnostics { Get-WatcherDiagnostics $setup.Watcher } -Because 'the first sync' -Condition {
                Get-WatcherEntry $setup.Watcher -Kind event
            }
        } catch {
            Stop-ReloadSetup $setup
            throw
        }
        $setup
    }

    function Stop-ReloadSetup([object] $Setup) {
        if (-not $Setup) { return }
        Stop-SyncedNginx $Setup.Synced
        Stop-FakeKubeApi $Setup.Fake
        if ($Setup.Backends) { $Setup.Backends | Stop-EchoBackend }
        Remove-Item -LiteralPath $Setup.Dir -Recurse -Force -ErrorAction Ignore
    }
}

Describe 'Sync-NginxConf -Watch reloads a real nginx by <Reload>' -Tag 'Kubernetes', 'Nginx', 'Real' -Skip:(-not $nginx) -ForEach @(
    @{ Reload = 'PidFile' }
    @{ Reload = 'Nginx' }
) {
    BeforeAll {
        $setup = Start-ReloadSetup -Backend alpha, beta, gamma -Watcher @{ Reload = $Reload }
        $port, $fake, $server, $watcher = $setup.Port, $setup.Fake, $setup.Server, $setup.Watcher
    }

    AfterAll { Stop-ReloadSetup $setup }

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
        $pidFile = Join-Path $TestDrive 'other.pid'
        switch ($Content) {
            # A PID no process can have (above the kernel's pid_max): a recycled real one could belong to anything.
            'stale' { Set-Content -LiteralPath $pidFile -Value ([int](Get-Content /proc/sys/kernel/pid_max) + 1) }
            'garbage' { Set-Content -LiteralPath $pidFile -Value 'not a pid' }
        }
        $setup = Start-ReloadSetup -Backend alpha, beta -Watcher @{ Reload = 'PidFile'; PidFile = $pidFile }
        $port, $fake, $server, $watcher = $setup.Port, $setup.Fake, $setup.Server, $setup.Watcher
    }

    AfterAll { Stop-ReloadSetup $setup }

    It '<Case>: ReloadFailed in the event, Written True, Reloaded False, and the running nginx keeps its config' {
        $from = @(Get-WatcherLog $watcher).Count
        $null = Add-FakeKubeObject -Server $fake -Object (New-TestService -Name beta -Port $port.beta)
        $sync = Wait-SyncOf $watcher $from '_/beta/'
        $sync.event.Written | Should -BeTrue
        $sync.event.Reloaded | Should -BeFalse
        $sync.event.Error | Should -Match "^nginx was not reloaded: $Expected"
        Get-Content -LiteralPath $server.ConfPath -Raw | Should -Match '/beta/'
        (Get-Served $server '/beta/x').StatusCode | Should -Be 404 -Because 'nginx was not reloaded, so it serves the config it had'
        (Get-Served $server '/alpha/x').StatusCode | Should -Be 200
    }
}
