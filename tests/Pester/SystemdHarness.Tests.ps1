<#
    Proves the systemd harness itself (SystemdHarness.psm1, tests/Fixtures/Systemd) with plain systemctl,
    journalctl, systemd-analyze and docker: no NginxKit cmdlet yet. What it shows is what the Docker
    cmdlets will rely on: the packaged unit as `systemctl show` reports it, what dockerd receives after
    enable/start, after a drop-in with EnvironmentFile= and a reset ExecStart=, and after daemon-reload,
    what systemd does with an `export` line, and the same with Debian's real docker.io.

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL  1 to fail instead of skipping when this machine cannot run a real systemd
                             (not root, no unshare/nsenter/script/systemd) or docker.io cannot be installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/SystemdHarness.psm1" -Force
    $supported = Test-SystemdHarnessUsable
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule SystemdHarness -WithoutNginxKit

    function Format-Literal([string] $Text) {
        # Text for -BeLike that matches itself: systemctl's ExecStart has [] (a wildcard set).
        [WildcardPattern]::Escape($Text)
    }

    function Assert-NothingLeft {
        # After Stop-SystemdHarness: no process of its PID namespace, no child cgroup, no temp dir,
        # and no daemon of the kind it ran anywhere outside the host's own PID namespace.
        param([psobject] $Harness)
        (Test-Path "/proc/$($Harness.Pid)") | Should -BeFalse -Because 'the inner systemd was killed'
        Test-Path -LiteralPath $Harness.Root | Should -BeFalse
        $Harness.Cgroups | Should -Not -BeNullOrEmpty
        $Harness.Cgroups | Where-Object { Test-Path -LiteralPath $_ } | Should -BeNullOrEmpty -Because 'the child cgroups are removed'
        # ps: no systemd, journald, dockerd, containerd, shim or sleep outside the host's PID namespace.
        $hostNs = [IO.FileInfo]::new("/proc/$PID/ns/pid").LinkTarget
        $strays = @(& ps -e -o pid=,comm= | ForEach-Object {
                $procId, $comm = $_.Trim() -split '\s+', 2
                $ns = try { [IO.FileInfo]::new("/proc/$procId/ns/pid").LinkTarget } catch { $null }
                if ($comm -match '^(systemd|systemd-journal|dockerd|containerd|containerd-shim.*|sleep)$' -and $ns -and $ns -ne $hostNs) { "$procId $comm" }
            })
        $strays | Should -BeNullOrEmpty -Because 'ps shows nothing left of the harness'
    }
}

Describe 'The systemd harness' -Tag 'Systemd', 'Real' {
    # Skipped where the machine cannot (not root, no util-linux or systemd); under NGINXKIT_REQUIRE_REAL=1
    # discovery throws instead, which fails the run.
    It 'runs on this machine (root, unshare, nsenter, script, /lib/systemd/systemd)' -Skip:(-not $supported) {
        Test-SystemdHarnessSupported | Should -BeTrue
    }
}

Describe 'docker-ce''s unit under a real systemd, with the stand-in dockerd' -Tag 'Systemd', 'Real' -Skip:(-not $supported) {
    BeforeAll {
        $h = Start-SystemdHarness -Variant DockerCe
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'boots systemd as PID 1 of its own PID namespace, to running, in a few seconds' {
        $h.BootSeconds | Should -BeLessThan 30
        (Invoke-InHarnessChecked $h systemctl is-system-running).Output | Should -Be 'running'
        (Invoke-InHarnessChecked $h cat '/proc/1/comm').Output | Should -Be 'systemd'
        (Get-Content "/proc/$($h.Pid)/comm") | Should -Be 'systemd'
    }

    It 'systemctl show reports the packaged unit: disabled, inactive, no EnvironmentFile, no drop-in' {
        $show = Get-UnitShow $h
        $show.FragmentPath | Should -Be '/lib/systemd/system/docker.service'
        $show.UnitFileState | Should -Be 'disabled'
        $show.ActiveState | Should -Be 'inactive'
        $show.SubState | Should -Be 'dead'
        $show.MainPID | Should -Be '0'
        $show.ExecStart | Should -BeLike ((Format-Literal '{ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock ;') + '*')
        $show.ContainsKey('EnvironmentFiles') | Should -BeFalse -Because 'systemctl show prints no EnvironmentFiles line at all when there is none (even with --all)'
        $show.DropInPaths | Should -Be '' -Because 'unlike EnvironmentFiles, an empty DropInPaths is printed'
        $show.NeedDaemonReload | Should -Be 'no'
        Test-Path (Join-Path $h.EtcDefault 'docker') | Should -BeFalse -Because 'docker-ce''s unit reads no /etc/default/docker'
    }

    It 'enable --now starts dockerd with exactly the unit''s arguments' {
        $r = Invoke-InHarnessChecked $h systemctl @('enable', '--now', 'docker')
        $r.Error | Should -Match 'multi-user\.target\.wants/docker\.service'
        Test-Path (Join-Path $h.EtcSystemdSystem 'multi-user.target.wants/docker.service') | Should -BeTrue
        $show = Get-UnitShow $h
        $show.UnitFileState | Should -Be 'enabled'
        $show.ActiveState | Should -Be 'active'
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Pid | Should -Be ([int]$show.MainPID)
        $record.Program | Should -Be '/usr/bin/dockerd'
        $record.Argv | Should -Be @('-H', 'fd://', '--containerd=/run/containerd/containerd.sock')
        $record.Environment['LISTEN_FDNAMES'] | Should -Be 'docker.socket' -Because 'docker.socket hands over /run/docker.sock (-H fd://)'
        $record.Environment.ContainsKey('DOCKER_OPTS') | Should -BeFalse
    }

    It 'a drop-in with EnvironmentFile=, an empty ExecStart= and ExecStart=...$DOCKER_OPTS reaches dockerd after daemon-reload and restart' {
        $before = Get-StandInDockerdRecord -Harness $h
        Write-UnixText (Join-Path $h.EtcSystemdSystem 'docker.service.d/nginxkit.conf') @(
            '[Service]'
            'EnvironmentFile=-/etc/default/docker'
            'ExecStart='
            'ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS')
        Write-UnixText (Join-Path $h.EtcDefault 'docker') @(
            'DOCKER_OPTS="--dns 8.8.8.8"'
            'http_proxy=http://proxy:3128'
            'export https_proxy=http://proxy:3129')
        Invoke-InHarnessChecked $h systemctl daemon-reload | Out-Null
        Invoke-InHarnessChecked $h systemctl @('restart', 'docker') | Out-Null

        $record = Get-StandInDockerdRecord -Harness $h
        $record.Pid | Should -Not -Be $before.Pid
        $record.Argv | Should -Be @('-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '--dns', '8.8.8.8') -Because 'an unbraced $DOCKER_OPTS is split into words'
        $record.Environment['http_proxy'] | Should -Be 'http://proxy:3128'
        $record.Environment['DOCKER_OPTS'] | Should -Be '--dns 8.8.8.8'

        $show = Get-UnitShow $h
        $show.FragmentPath | Should -Be '/lib/systemd/system/docker.service' -Because 'the packaged unit is untouched'
        $show.DropInPaths | Should -Be '/etc/systemd/system/docker.service.d/nginxkit.conf'
        $show.EnvironmentFiles | Should -Be '/etc/default/docker (ignore_errors=yes)'
        $show.ExecStart | Should -BeLike ('*' + (Format-Literal 'argv[]=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS ;') + '*')
        $show.NeedDaemonReload | Should -Be 'no'
    }

    It 'ignores an "export" line of the EnvironmentFile and logs it at priority err' {
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Environment.ContainsKey('https_proxy') | Should -BeFalse
        $record.Environment.Keys | Should -Not -Contain 'export https_proxy'
        # PID 1 writes the message to journald asynchronously: poll for it.
        $log = Wait-Until -TimeoutSec 30 -Because 'PID 1 to log the ignored line' -Condition {
            $text = (Invoke-InHarnessChecked $h journalctl @('-u', 'docker.service', '-p', 'err', '--no-pager', '-o', 'cat')).Output -join "`n"
            if ($text -match 'Ignoring invalid environment assignment') { $text }
        }
        $log | Should -Match ([regex]::Escape("docker.service: Ignoring invalid environment assignment 'export https_proxy=http://proxy:3129': /etc/default/docker"))
    }

    It 'systemd-analyze verify --root accepts the drop-in offline, and refuses it without the ExecStart= reset' {
        $offline = New-SystemdOfflineRoot -Harness $h
        try {
            $ok = & systemd-analyze verify "--root=$offline" docker.service 2>&1
            $LASTEXITCODE | Should -Be 0
            ($ok | Out-String).Trim() | Should -BeNullOrEmpty -Because 'verify only warns (rc 0) on some mistakes: stderr must be empty'

            # The control: without the empty ExecStart= a second ExecStart is an error for Type=exec.
            $dropIn = Join-Path $offline 'etc/systemd/system/docker.service.d/nginxkit.conf'
            (Get-Content $dropIn) | Where-Object { $_ -ne 'ExecStart=' } | Set-Content $dropIn
            $bad = & systemd-analyze verify "--root=$offline" docker.service 2>&1
            $LASTEXITCODE | Should -Not -Be 0
            ($bad | Out-String) | Should -Match 'more than one ExecStart'
        } finally {
            Remove-Item -LiteralPath $offline -Recurse -Force
        }
    }

    It 'Invoke-PwshInHarness runs this pwsh inside: systemd is PID 1, /tmp, the NuGet folder and out/ are there' {
        $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
        $out = Join-Path (Get-RepoRoot) 'out'
        $r = Invoke-PwshInHarness -Harness $h -Script @"
(Get-Process -Id 1).ProcessName
`$env:HOME
Test-Path '$($h.Root)'
Test-Path '$nuget'
Test-Path '$out'
(systemctl is-active docker)
"@
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output | Should -Be @('systemd', $HOME, 'True', 'True', "$(Test-Path $out)", 'active')
    }

    It 'Stop-SystemdHarness leaves no process, cgroup or directory' {
        Stop-SystemdHarness -Harness $h
        Assert-NothingLeft $h
    }
}

Describe 'Debian''s docker.io unit under a real systemd, with the stand-in dockerd' -Tag 'Systemd', 'Real' -Skip:(-not $supported) {
    BeforeAll {
        $h = Start-SystemdHarness -Variant DebianDockerIo
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'systemctl show reports /etc/default/docker as an optional EnvironmentFile and $DOCKER_OPTS in ExecStart' {
        $show = Get-UnitShow $h
        $show.FragmentPath | Should -Be '/lib/systemd/system/docker.service'
        $show.EnvironmentFiles | Should -Be '/etc/default/docker (ignore_errors=yes)'
        $show.ExecStart | Should -BeLike ((Format-Literal '{ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS ;') + '*')
        (Get-Content (Join-Path $h.EtcDefault 'docker') -Raw) | Should -Match 'Here in Debian, this file is sourced by'
    }

    It 'an unset $DOCKER_OPTS adds no argument; a set one is split into words' {
        Invoke-InHarnessChecked $h systemctl @('start', 'docker') | Out-Null
        (Get-StandInDockerdRecord -Harness $h).Argv | Should -Be @('-H', 'fd://', '--containerd=/run/containerd/containerd.sock')
        Write-UnixText (Join-Path $h.EtcDefault 'docker') 'DOCKER_OPTS="--dns 8.8.8.8 --dns 8.8.4.4"'
        Invoke-InHarnessChecked $h systemctl @('restart', 'docker') | Out-Null
        $record = Get-StandInDockerdRecord -Harness $h
        $record.Program | Should -Be '/usr/sbin/dockerd'
        $record.Argv | Should -Be @('-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '--dns', '8.8.8.8', '--dns', '8.8.4.4')
    }

    It 'Stop-SystemdHarness leaves no process, cgroup or directory' {
        Stop-SystemdHarness -Harness $h
        Assert-NothingLeft $h
    }
}

Describe 'Debian''s real docker.io under a real systemd' -Tag 'Systemd', 'Real', 'Docker' -Skip:(-not $supported) {
    BeforeAll {
        $io = Start-DockerIoHarness
        $ready, $h, $docker, $notReady = $io.Ready, $io.Harness, $io.Docker, $io.NotReady
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'systemctl start docker starts containerd and dockerd from Debian''s units; docker info works inside' {
        if (-not $ready) { Set-ItResult -Skipped -Because $notReady; return }
        $show = Get-UnitShow $h
        $show.FragmentPath | Should -Be '/lib/systemd/system/docker.service'
        $show.EnvironmentFiles | Should -Be '/etc/default/docker (ignore_errors=yes)'
        Invoke-InHarnessChecked $h systemctl @('start', 'docker') | Out-Null
        (Get-UnitShow $h -Unit containerd.service).ActiveState | Should -Be 'active'
        $info = Invoke-InHarnessChecked $h $docker @('info', '--format', '{{.ServerVersion}}|{{.DockerRootDir}}|{{.Driver}}')
        $version, $rootDir, $driver = $info.Output[0].Split('|')
        $version | Should -Match '^20\.10\.'
        $rootDir | Should -Be '/var/lib/docker' -Because 'the default data root, privately bound under the harness root'
        $driver | Should -Be 'overlay2'
    }

    It 'DOCKER_OPTS="--dns 9.9.9.9" reaches dockerd after a restart, and a container''s resolv.conf' -Tag 'Slow' {
        if (-not $ready) { Set-ItResult -Skipped -Because $notReady; return }
        Write-UnixText (Join-Path $h.EtcDefault 'docker') 'DOCKER_OPTS="--dns 9.9.9.9"'
        Invoke-InHarnessChecked $h systemctl @('restart', 'docker') | Out-Null
        # docker info does not print daemon DNS options; dockerd's own command line and a container do.
        (Invoke-InHarnessChecked $h $docker @('info', '--format', '{{.ServerVersion}}')).Output | Should -Match '^20\.10\.'
        (Get-MainCommandLine $h).Argv | Should -Be @('/usr/sbin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '--dns', '9.9.9.9')

        Import-BusyboxImage $h $docker 'nginxkit/busybox:harness'
        $resolv = Invoke-InHarnessChecked $h $docker @('run', '--rm', 'nginxkit/busybox:harness', 'cat', '/etc/resolv.conf')
        $resolv.Output | Should -Contain 'nameserver 9.9.9.9'
        # A container left running, to prove teardown takes its shim and processes too.
        Invoke-InHarnessChecked $h $docker @('run', '-d', 'nginxkit/busybox:harness', 'sleep', '600') | Out-Null
    }

    It 'Stop-SystemdHarness leaves no dockerd, containerd, shim, container, cgroup or directory' {
        if (-not $ready) { Set-ItResult -Skipped -Because $notReady; return }
        Stop-SystemdHarness -Harness $h
        Assert-NothingLeft $h
    }
}
