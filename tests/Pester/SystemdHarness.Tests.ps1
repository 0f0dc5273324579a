<#
    Proves the systemd harness itself (SystemdHarness.psm1, tests/Fixtures/Systemd) with plain systemctl,
    journalctl, systemd-analyze and docker: no NginxKit cmdlet yet. What it shows is what the Docker
    cmdlets will rely on: the packaged unit as `systemctl show` reports it, what dockerd receives after
    enable/start, after a drop-in with EnvironmentFile= and a reset ExecStart=, and after daemon-reload,
    what systemd does with an `export` line, and the same with Debian's real docker.io.

    Environment:
      NGINXKIT_REQUIRE_REAL  1 to fail instead of skipping when this machine cannot run a real systemd
                             (not root, no unshare/nsenter/script/systemd) or docker.io cannot be installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/SystemdHarness.psm1" -Force
    # Find-RealTool throws under NGINXKIT_REQUIRE_REAL=1 when a tool is missing, so CI fails instead of skipping.
    $tools = @(Find-RealTool -Name systemd; Find-RealTool -Name unshare; Find-RealTool -Name nsenter; Find-RealTool -Name script)
    $supported = ($tools -notcontains $null) -and (Test-SystemdHarnessSupported)
    if (-not $supported -and $env:NGINXKIT_REQUIRE_REAL -eq '1') {
        throw 'NGINXKIT_REQUIRE_REAL=1 but this machine cannot run the systemd harness (needs root, util-linux and systemd).'
    }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/SystemdHarness.psm1" -Force

    $script:ShowProperties = 'FragmentPath,UnitFileState,ActiveState,SubState,MainPID,ExecStart,EnvironmentFiles,DropInPaths,NeedDaemonReload'

    function Invoke-Checked {
        # Invoke-InHarness that fails the test on a non-zero exit, showing stderr.
        param([psobject] $Harness, [string] $FilePath, [string[]] $ArgumentList)
        $r = Invoke-InHarness -Harness $Harness -FilePath $FilePath -ArgumentList $ArgumentList
        if ($r.ExitCode -ne 0) { throw "$FilePath $($ArgumentList -join ' ') exited $($r.ExitCode): $($r.Error)" }
        $r
    }

    function Get-UnitShow {
        # `systemctl show UNIT -p ...` as a hashtable (keys as systemctl prints them).
        param([psobject] $Harness, [string] $Unit = 'docker.service', [string] $Property = $script:ShowProperties)
        $values = @{}
        foreach ($line in (Invoke-Checked $Harness systemctl @('show', $Unit, '-p', $Property)).Output) {
            $eq = $line.IndexOf('=')
            if ($eq -gt 0) { $values[$line.Substring(0, $eq)] = $line.Substring($eq + 1) }
        }
        $values
    }

    function Format-Literal([string] $Text) {
        # Text for -BeLike that matches itself: systemctl's ExecStart has [] (a wildcard set).
        [WildcardPattern]::Escape($Text)
    }

    function Write-UnixText {
        # A config file as an editor on Linux leaves it: LF line ends, a final newline, no BOM.
        param([string] $Path, [string[]] $Line)
        [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($Path))
        [IO.File]::WriteAllText($Path, (($Line -join "`n") + "`n"))
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
        (Invoke-Checked $h systemctl is-system-running).Output | Should -Be 'running'
        (Invoke-Checked $h cat '/proc/1/comm').Output | Should -Be 'systemd'
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
        $r = Invoke-Checked $h systemctl @('enable', '--now', 'docker')
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
        Invoke-Checked $h systemctl daemon-reload | Out-Null
        Invoke-Checked $h systemctl @('restart', 'docker') | Out-Null

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
        $log = ''
        $watch = [Diagnostics.Stopwatch]::StartNew()
        do {
            $log = (Invoke-Checked $h journalctl @('-u', 'docker.service', '-p', 'err', '--no-pager', '-o', 'cat')).Output -join "`n"
            if ($log -match 'Ignoring invalid environment assignment') { break }
            Start-Sleep -Milliseconds 100
        } while ($watch.Elapsed.TotalSeconds -lt 30)
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
        Invoke-Checked $h systemctl @('start', 'docker') | Out-Null
        (Get-StandInDockerdRecord -Harness $h).Argv | Should -Be @('-H', 'fd://', '--containerd=/run/containerd/containerd.sock')
        Write-UnixText (Join-Path $h.EtcDefault 'docker') 'DOCKER_OPTS="--dns 8.8.8.8 --dns 8.8.4.4"'
        Invoke-Checked $h systemctl @('restart', 'docker') | Out-Null
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
        # Installs docker.io (and busybox-static) on the host when missing; no host daemon is left running.
        $ready = try { Install-DockerIoPackage } catch { Write-Warning "$_"; $false }
        if (-not $ready -and $env:NGINXKIT_REQUIRE_REAL -eq '1') { throw 'NGINXKIT_REQUIRE_REAL=1 but docker.io is not installed and could not be installed.' }
        $h = if ($ready) { Start-SystemdHarness -Variant RealDockerIo }
        $docker = '/usr/bin/docker' # Debian's CLI, matching the daemon (a newer one may sit first in PATH)
        $notReady = 'docker.io is not installed and could not be installed (needs root and apt-get)'
    }
    AfterAll {
        if ($h -and -not $h.Stopped) { Stop-SystemdHarness -Harness $h }
    }

    It 'systemctl start docker starts containerd and dockerd from Debian''s units; docker info works inside' {
        if (-not $ready) { Set-ItResult -Skipped -Because $notReady; return }
        $show = Get-UnitShow $h
        $show.FragmentPath | Should -Be '/lib/systemd/system/docker.service'
        $show.EnvironmentFiles | Should -Be '/etc/default/docker (ignore_errors=yes)'
        Invoke-Checked $h systemctl @('start', 'docker') | Out-Null
        (Get-UnitShow $h -Unit containerd.service).ActiveState | Should -Be 'active'
        $info = Invoke-Checked $h $docker @('info', '--format', '{{.ServerVersion}}|{{.DockerRootDir}}|{{.Driver}}')
        $version, $rootDir, $driver = $info.Output[0].Split('|')
        $version | Should -Match '^20\.10\.'
        $rootDir | Should -Be '/var/lib/docker' -Because 'the default data root, privately bound under the harness root'
        $driver | Should -Be 'overlay2'
    }

    It 'DOCKER_OPTS="--dns 9.9.9.9" reaches dockerd after a restart, and a container''s resolv.conf' -Tag 'Slow' {
        if (-not $ready) { Set-ItResult -Skipped -Because $notReady; return }
        Write-UnixText (Join-Path $h.EtcDefault 'docker') 'DOCKER_OPTS="--dns 9.9.9.9"'
        Invoke-Checked $h systemctl @('restart', 'docker') | Out-Null
        # docker info does not print daemon DNS options; dockerd's own command line and a container do.
        (Invoke-Checked $h $docker @('info', '--format', '{{.ServerVersion}}')).Output | Should -Match '^20\.10\.'
        $mainPid = (Get-UnitShow $h -Property MainPID).MainPID
        $argv = (Invoke-Checked $h /bin/sh @('-c', "tr '\0' '\n' < /proc/$mainPid/cmdline")).Output
        $argv | Should -Be @('/usr/sbin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '--dns', '9.9.9.9')

        $tar = New-BusyboxRootfsTarball -Path (Join-Path $h.Root 'busybox-rootfs.tar')
        Invoke-Checked $h $docker @('import', $tar, 'nginxkit/busybox:harness') | Out-Null
        $resolv = Invoke-Checked $h $docker @('run', '--rm', 'nginxkit/busybox:harness', 'cat', '/etc/resolv.conf')
        $resolv.Output | Should -Contain 'nameserver 9.9.9.9'
        # A container left running, to prove teardown takes its shim and processes too.
        Invoke-Checked $h $docker @('run', '-d', 'nginxkit/busybox:harness', 'sleep', '600') | Out-Null
    }

    It 'Stop-SystemdHarness leaves no dockerd, containerd, shim, container, cgroup or directory' {
        if (-not $ready) { Set-ItResult -Skipped -Because $notReady; return }
        Stop-SystemdHarness -Harness $h
        Assert-NothingLeft $h
    }
}
