# A real systemd for the Docker-under-systemd suites: systemd 252 runs as PID 1 of private PID, mount,
# UTS, IPC, cgroup and (by default) network namespaces on this host, with private copies of the unit
# directories and /etc/default, and either a stand-in dockerd that records what systemd handed it or
# Debian's real docker.io. The route and its measured facts: shared/recipes/real-systemd.md.
# The scripts and units it boots: tests/Fixtures/Systemd (README.md there says which file goes where).
#
#   Test-SystemdHarnessSupported   can this machine run it (root, util-linux, systemd, cgroups)
#   Test-SystemdHarnessUsable      the same for a suite's BeforeDiscovery: throws under NGINXKIT_REQUIRE_REAL=1
#   Start-DockerIoHarness          a harness running Debian's real docker.io, installed first when missing
#   Install-DockerIoPackage        apt-get install docker.io (+ busybox-static), idempotent, no host daemon left
#   Start-SystemdHarness           boot; returns the harness object every other function takes
#   Invoke-InHarness               run a program inside all the harness namespaces (nsenter -a)
#   Invoke-InHarnessChecked        the same, failing on a non-zero exit
#   Invoke-PwshInHarness           run a script in this same pwsh, inside the namespaces
#   Get-UnitShow                   `systemctl show` of a unit as a hashtable
#   Get-MainCommandLine            a unit's MainPID and its argv as the kernel holds it
#   Import-BusyboxImage            a busybox image in the harness's docker, from New-BusyboxRootfsTarball
#   Get-StandInDockerdRecord       argv and environment of the stand-in dockerd's current start
#   New-SystemdOfflineRoot         a --root tree of the harness's units for systemd-analyze/systemctl --root
#   New-BusyboxRootfsTarball       a one-binary rootfs tarball for `docker import` (no registry here)
#   Stop-SystemdHarness            kill, wait, remove cgroups and temp dirs; throws if anything is left

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

$script:FixtureDir = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../Fixtures/Systemd'))
$script:RootPrefix = 'nginxkit-systemd-'
$script:AptUpdated = $false
$script:Variants = @{
    # Fixture unit dir, whether the stand-in replaces dockerd, whether the real engine runs.
    DockerCe       = @{ Units = 'docker-ce'; StandIn = $true; Real = $false }
    DebianDockerIo = @{ Units = 'debian-docker-io'; StandIn = $true; Real = $false }
    RealDockerIo   = @{ Units = $null; StandIn = $false; Real = $true }
}

#region helpers (not exported)

function Get-ProcStartTicks {
    # Field 22 of /proc/PID/stat: the start time in clock ticks. With the PID it names one process for
    # good, so a recycled PID is never killed by mistake. $null when the process is gone.
    param([int] $ProcessId)
    try { $stat = [IO.File]::ReadAllText("/proc/$ProcessId/stat") } catch { return $null }
    # The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    [long] $fields[19]
}

function Test-SameProcess {
    param([int] $ProcessId, [long] $StartTicks)
    $ProcessId -gt 0 -and (Get-ProcStartTicks $ProcessId) -eq $StartTicks
}

function Get-PidNamespace {
    # "pid:[4026531836]" for a process, $null when it is gone.
    param([int] $ProcessId)
    try { [IO.FileInfo]::new("/proc/$ProcessId/ns/pid").LinkTarget } catch { $null }
}

function Get-ProcessesInNamespace {
    # Host PIDs of every process whose PID namespace is NAMESPACE: the inner systemd's services and
    # programs run there with nsenter (which stay outside the harness's cgroups). Containers have
    # namespaces of their own; the cgroup scan (Get-ProcessesInCgroups) catches those.
    param([string] $Namespace)
    if (-not $Namespace) { return @() }
    @(foreach ($dir in [IO.Directory]::EnumerateDirectories('/proc')) {
            $name = [IO.Path]::GetFileName($dir)
            if ($name -notmatch '^\d+$') { continue }
            if ((Get-PidNamespace ([int]$name)) -eq $Namespace) { [int]$name }
        })
}

function Get-ProcessesInCgroups {
    # Host PIDs of every process in the harness's child cgroups or below them (systemd's slices,
    # docker.service, containers): the processes cgroup.procs lists, which are host PIDs from here.
    param([string[]] $Cgroups)
    $pids = [Collections.Generic.HashSet[int]]::new()
    foreach ($cg in $Cgroups) {
        if (-not [IO.Directory]::Exists($cg)) { continue }
        $files = @("$cg/cgroup.procs") + @(try { [IO.Directory]::GetFiles($cg, 'cgroup.procs', [IO.SearchOption]::AllDirectories) } catch { })
        foreach ($file in $files | Select-Object -Unique) {
            try { foreach ($line in [IO.File]::ReadAllLines($file)) { if ($line) { [void]$pids.Add([int]$line) } } } catch { }
        }
    }
    @($pids)
}

function Send-Kill {
    # SIGKILL to each PID, ignoring those already gone.
    param([int[]] $ProcessId)
    if (-not $ProcessId) { return }
    $kill = (Get-Command kill -CommandType Application | Select-Object -First 1).Source
    & $kill -KILL @ProcessId 2>$null
}

function ConvertTo-ShellWord {
    # One word for sh: single-quoted, with embedded quotes closed and escaped.
    param([string] $Text)
    "'" + $Text.Replace("'", "'\''") + "'"
}

function Get-HarnessTempBase {
    # The temp folder for harness roots. It must stay visible inside the harness (which replaces
    # /run, /dev, /sys and /proc) at the same path, so a TMPDIR under those falls back to /tmp.
    $base = [IO.Path]::GetTempPath().TrimEnd('/')
    if (-not $base -or $base -match '^/(run|dev|sys|proc)(/|$)') { $base = '/tmp' }
    $base
}

function Get-HarnessChildEnvironment {
    # The environment for programs run inside: the caller's, minus what points into the host's /run
    # (now private) and with pagers and colours off, so output is plain text.
    param([Collections.IDictionary] $Environment)
    [void]$Environment.Remove('XDG_RUNTIME_DIR')
    [void]$Environment.Remove('DBUS_SESSION_BUS_ADDRESS')
    $Environment['SYSTEMD_PAGER'] = ''
    $Environment['SYSTEMD_COLORS'] = '0'
    $Environment['PAGER'] = 'cat'
    if (-not $Environment['HOME']) { $Environment['HOME'] = '/root' }
    if (-not $Environment['PATH']) { $Environment['PATH'] = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }
}

function Write-HarnessState {
    param([psobject] $Harness)
    $Harness | Select-Object Pid, PidStartTicks, PidNamespace, UnsharePid, ScriptPid, Variant, Network |
        ConvertTo-Json | Set-Content -LiteralPath (Join-Path $Harness.Root 'state.json')
}

function Clear-StaleSystemdHarness {
    # Tears down harnesses left by a test process that died without Stop-SystemdHarness: roots under
    # the temp folder whose owner process is gone. A live owner's harness is never touched.
    foreach ($dir in Get-ChildItem -LiteralPath (Get-HarnessTempBase) -Directory -Filter "$script:RootPrefix*" -ErrorAction Ignore) {
        $conf = Join-Path $dir.FullName 'harness.conf'
        if (Test-Path -LiteralPath $conf) {
            $values = @{}
            foreach ($line in Get-Content -LiteralPath $conf) { if ($line -match '^(\w+)=(.*)$') { $values[$Matches[1]] = $Matches[2] } }
            if ($values['OWNER_PID'] -and (Test-SameProcess ([int]$values['OWNER_PID']) ([long]$values['OWNER_START']))) { continue }
        } elseif ($dir.LastWriteTimeUtc -gt [DateTime]::UtcNow.AddHours(-1)) {
            continue # no harness.conf yet: possibly a harness being created right now
        }
        Write-Warning "Removing a systemd harness left by a process that is gone: $($dir.FullName)"
        try { Stop-SystemdHarness -Harness ([pscustomobject]@{ Root = $dir.FullName }) } catch { Write-Warning "$_" }
    }
}

#endregion

function Test-SystemdHarnessSupported {
    <#
    .SYNOPSIS
        $true when this machine can boot the harness: Linux, root, util-linux's unshare/nsenter/script,
        systemd at /lib/systemd/systemd, cgroups mounted. With -Variant RealDockerIo, docker.io must
        also be installed or installable (root with apt-get).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param([ValidateSet('DockerCe', 'DebianDockerIo', 'RealDockerIo')] [string] $Variant = 'DockerCe')
    if (-not $IsLinux) { return $false }
    if ((& id -u) -ne '0') { return $false }
    foreach ($tool in 'unshare', 'nsenter', 'script', 'systemctl') {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) { return $false }
    }
    if (-not (Test-Path /lib/systemd/systemd) -or -not (Test-Path /proc/self/cgroup) -or -not (Test-Path /sys/fs/cgroup)) { return $false }
    if ($Variant -eq 'RealDockerIo' -and -not (Test-DockerIoInstalled) -and -not (Get-Command apt-get -ErrorAction Ignore)) { return $false }
    $true
}

function Test-DockerIoInstalled {
    # Debian's docker.io (and with it containerd and runc) is installed and configured.
    $status = & dpkg-query -W -f '${Status}' docker.io 2>$null
    ($LASTEXITCODE -eq 0) -and ($status -eq 'install ok installed') -and (Test-Path /usr/sbin/dockerd) -and (Test-Path /usr/bin/containerd)
}

function Install-DockerIoPackage {
    <#
    .SYNOPSIS
        Makes sure Debian's docker.io is installed on the host (and a busybox binary for test images);
        returns $true when it is. Idempotent: a no-op once installed.
    .DESCRIPTION
        Runs `apt-get update` once per session, then `apt-get install --no-install-recommends docker.io`
        (plus busybox-static when no /bin/busybox exists). Only as root; otherwise returns $false.
        The host has no systemd as PID 1, so the package's postinst would start the daemon through
        invoke-rc.d and /etc/init.d/docker: a policy-rc.d that denies it is put in place for the install
        when the host has none. A host dockerd or containerd that appears anyway is stopped. The enable
        symlinks the postinst writes under the host's /etc/systemd/system are inert here: nothing on
        the host reads them, and the harness mounts its own copy of that directory.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param([ValidateRange(1, 3600)] [int] $LockTimeoutSec = 300)
    $needBusybox = -not (Test-Path /bin/busybox)
    if ((Test-DockerIoInstalled) -and -not $needBusybox) { return $true }
    if ((& id -u) -ne '0' -or -not (Get-Command apt-get -ErrorAction Ignore)) {
        Write-Warning 'docker.io is not installed, and installing it needs root and apt-get.'
        return (Test-DockerIoInstalled)
    }
    $packages = @(if (-not (Test-DockerIoInstalled)) { 'docker.io' }) + @(if ($needBusybox) { 'busybox-static' })
    $policy = '/usr/sbin/policy-rc.d'
    $ownPolicy = -not (Test-Path $policy)
    $hostNs = Get-PidNamespace $PID
    $daemonNames = 'dockerd', 'containerd', 'docker-proxy'
    $before = @(Get-Process -Name $daemonNames -ErrorAction Ignore | Where-Object { (Get-PidNamespace $_.Id) -eq $hostNs } | ForEach-Object Id)
    $savedFrontend = $env:DEBIAN_FRONTEND
    $env:DEBIAN_FRONTEND = 'noninteractive'
    try {
        if ($ownPolicy) {
            # 101 = "action forbidden by policy": invoke-rc.d then starts nothing.
            Set-Content -LiteralPath $policy -Value "#!/bin/sh`n# NginxKit test harness: no daemon starts during its apt-get install.`nexit 101"
            & chmod 755 $policy
        }
        $lock = "DPkg::Lock::Timeout=$LockTimeoutSec"
        if (-not $script:AptUpdated) {
            $out = & apt-get -o $lock update -qq 2>&1
            if ($LASTEXITCODE -ne 0) { throw "apt-get update failed:`n$($out -join "`n")" }
            $script:AptUpdated = $true
        }
        Write-Verbose "apt-get install $($packages -join ' ')"
        $out = & apt-get -o $lock install -y -qq --no-install-recommends @packages 2>&1
        if ($LASTEXITCODE -ne 0) { throw "apt-get install $($packages -join ' ') failed:`n$($out -join "`n")" }
    } finally {
        if ($ownPolicy) { Remove-Item -LiteralPath $policy -ErrorAction Ignore }
        $env:DEBIAN_FRONTEND = $savedFrontend
        # Belt and braces: a daemon the install started on the host itself (not in a harness) goes.
        $started = @(Get-Process -Name $daemonNames -ErrorAction Ignore |
                Where-Object { (Get-PidNamespace $_.Id) -eq $hostNs -and $_.Id -notin $before })
        if ($started) {
            Write-Warning "Stopping daemons the docker.io install started on the host: $($started.Id -join ', ')"
            $started | Stop-Process -Force -ErrorAction Ignore
        }
    }
    Test-DockerIoInstalled
}

function Start-SystemdHarness {
    <#
    .SYNOPSIS
        Boots systemd as PID 1 in private namespaces and waits until it is running; returns the harness.
    .DESCRIPTION
        Variants (the unit installed in the private /usr/lib/systemd/system, seen as /lib/systemd/system):
          DockerCe        docker-ce's docker.service + docker.socket, ExecStart=/usr/bin/dockerd ... with no
                          EnvironmentFile; the stand-in dockerd; no /etc/default/docker.
          DebianDockerIo  Debian's docker.service (EnvironmentFile=-/etc/default/docker, $DOCKER_OPTS) +
                          docker.socket; the stand-in; Debian's comment-only /etc/default/docker.
          RealDockerIo    the host's docker.io and containerd units and binaries (installed on demand by
                          Install-DockerIoPackage); Docker's data under Root. Needs the private network.
        -Network keeps the host's network namespace (for apt-get inside); by default the harness has
        its own, with no route out.
    .OUTPUTS
        NginxKit.SystemdHarness: Pid (host PID of the inner systemd), Root (host temp dir), Variant, Network,
        EtcDefault, EtcSystemdSystem, LibSystemdSystem, Results (the private copies under Root that are
        /etc/default, /etc/systemd/system, /usr/lib/systemd/system and /run/standin-dockerd inside),
        ConsoleLog, Cgroups (its child cgroup in each hierarchy), BootSeconds, and what teardown needs.
    #>
    [CmdletBinding()]
    [OutputType('NginxKit.SystemdHarness')]
    param(
        [ValidateSet('DockerCe', 'DebianDockerIo', 'RealDockerIo')] [string] $Variant = 'DockerCe',
        [switch] $Network,
        [ValidateRange(1, 600)] [int] $TimeoutSec = 30
    )
    if (-not (Test-SystemdHarnessSupported)) {
        throw 'This machine cannot run the systemd harness: it needs Linux, root, unshare/nsenter/script and /lib/systemd/systemd.'
    }
    $spec = $script:Variants[$Variant]
    if ($spec.Real) {
        # A real dockerd rewrites iptables and net sysctls: only ever in the harness's own network.
        if ($Network) { throw 'RealDockerIo runs only with the private network namespace (omit -Network).' }
        if (-not (Install-DockerIoPackage)) { throw 'RealDockerIo needs Debian''s docker.io on the host, and it could not be installed.' }
    }
    Clear-StaleSystemdHarness

    $root = Join-Path (Get-HarnessTempBase) ($script:RootPrefix + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $harness = [pscustomobject]@{
        PSTypeName       = 'NginxKit.SystemdHarness'
        Pid              = 0
        Root             = $root
        Variant          = $Variant
        Network          = [bool]$Network
        EtcDefault       = Join-Path $root 'etc-default'
        EtcSystemdSystem = Join-Path $root 'etc-systemd-system'
        LibSystemdSystem = Join-Path $root 'lib-systemd-system'
        Results          = Join-Path $root 'results'
        ConsoleLog       = Join-Path $root 'console.log'
        Cgroups          = [string[]]@()
        BootSeconds      = 0.0
        PidStartTicks    = 0L
        PidNamespace     = $null
        UnsharePid       = 0
        ScriptPid        = 0
        Stopped          = $false
    }
    $watch = [Diagnostics.Stopwatch]::StartNew()
    try {
        foreach ($dir in 'etc-default', 'etc-systemd-system', 'lib-systemd-system', 'results', 'var-log-journal',
            'var-lib/upper', 'var-lib/work', 'standin-bin', 'empty', 'etc-docker') {
            [void][IO.Directory]::CreateDirectory((Join-Path $root $dir))
        }
        $self = Get-ProcStartTicks $PID
        Set-Content -LiteralPath (Join-Path $root 'harness.conf') -Value @(
            "NETWORK=$([int][bool]$Network)", "STANDIN=$([int]$spec.StandIn)", "REAL_DOCKER=$([int]$spec.Real)",
            "OWNER_PID=$PID", "OWNER_START=$self")

        # The unit set: stub targets and journald, then the variant's docker units.
        Copy-Item -Path (Join-Path $script:FixtureDir 'units/base/*') -Destination $harness.LibSystemdSystem
        if ($spec.Units) {
            Copy-Item -Path (Join-Path $script:FixtureDir "units/$($spec.Units)/*") -Include '*.service', '*.socket' -Destination $harness.LibSystemdSystem
        } else {
            # The package's own units, exactly as installed on the host.
            Copy-Item -Path '/lib/systemd/system/docker.service', '/lib/systemd/system/docker.socket', '/lib/systemd/system/containerd.service' -Destination $harness.LibSystemdSystem
            if (Test-Path /etc/docker) { Copy-Item -Path '/etc/docker/*' -Destination (Join-Path $root 'etc-docker') -Recurse -ErrorAction Ignore }
        }
        # /etc/default: the host's files, but /etc/default/docker as the variant's package ships it
        # (none for docker-ce's unit, which has no EnvironmentFile), whatever the host has.
        & cp -a /etc/default/. $harness.EtcDefault
        Remove-Item -LiteralPath (Join-Path $harness.EtcDefault 'docker') -ErrorAction Ignore
        switch ($Variant) {
            'DebianDockerIo' { Copy-Item (Join-Path $script:FixtureDir 'units/debian-docker-io/etc-default-docker') (Join-Path $harness.EtcDefault 'docker') }
            'RealDockerIo' { if (Test-Path /etc/default/docker) { Copy-Item /etc/default/docker (Join-Path $harness.EtcDefault 'docker') } }
        }
        if ($spec.StandIn) {
            $standIn = Join-Path $root 'standin-bin/dockerd'
            Copy-Item (Join-Path $script:FixtureDir 'standin/dockerd') $standIn
            [IO.File]::SetUnixFileMode($standIn, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute')
        }

        # boot.sh under a pty (`script`): systemd wants a console. The pty's output goes to console.log
        # only; script's own stdout is /dev/null, so a full pipe can never block PID 1's console writes.
        $boot = Join-Path $script:FixtureDir 'boot.sh'
        $psi = [Diagnostics.ProcessStartInfo]::new('/bin/bash')
        foreach ($a in @('-c', 'exec script -qfec "$1" "$2" </dev/null >/dev/null 2>&1', 'nginxkit-systemd-harness',
                "/bin/bash $(ConvertTo-ShellWord $boot) $(ConvertTo-ShellWord $root)", $harness.ConsoleLog)) {
            $psi.ArgumentList.Add($a)
        }
        $psi.UseShellExecute = $false
        $scriptProcess = [Diagnostics.Process]::Start($psi)
        $harness.ScriptPid = $scriptProcess.Id

        # The inner systemd is the only child of unshare, whose PID boot.sh writes before it execs.
        $unshareFile = Join-Path $root 'unshare.pid'
        $found = Wait-Until -TimeoutSec $TimeoutSec -Condition {
            if ($scriptProcess.HasExited) { return $true }
            if (-not (Test-Path -LiteralPath $unshareFile)) { return $false }
            $u = [int](Get-Content -LiteralPath $unshareFile -Raw).Trim()
            $children = try { [IO.File]::ReadAllText("/proc/$u/task/$u/children").Trim() } catch { '' }
            if (-not $children) { return $false }
            $child = [int]($children -split ' ')[0]
            $comm = try { [IO.File]::ReadAllText("/proc/$child/comm").Trim() } catch { '' }
            if ($comm -ne 'systemd') { return $false }
            $harness.UnsharePid = $u
            $harness.Pid = $child
            $true
        }
        if ($scriptProcess.HasExited -or -not $found -or -not $harness.Pid) { throw 'systemd did not start.' }
        $harness.PidStartTicks = Get-ProcStartTicks $harness.Pid
        $harness.PidNamespace = Get-PidNamespace $harness.Pid
        $harness.Cgroups = [string[]](Get-Content -LiteralPath (Join-Path $root 'cgroups'))
        Write-HarnessState $harness

        # Booted means `systemctl is-system-running` says running (or degraded: a unit failed, the
        # manager works). Before PID 1 listens, systemctl fails or says offline/starting.
        # (The condition runs in a child scope: it reports through $seen, not by assigning a variable.)
        $seen = @{ State = '' }
        $ready = Wait-Until -TimeoutSec ([Math]::Max(1, $TimeoutSec - $watch.Elapsed.TotalSeconds)) -Condition {
            if ($scriptProcess.HasExited) { return $true }
            $r = Invoke-InHarness -Harness $harness -FilePath systemctl -ArgumentList is-system-running -TimeoutSec 10
            $seen.State = "$($r.Output)".Trim()
            $seen.State -in 'running', 'degraded'
        }
        if (-not $ready -or $scriptProcess.HasExited) { throw "systemd did not reach running (last state '$($seen.State)')." }
        if ($seen.State -eq 'degraded') {
            $failed = (Invoke-InHarness -Harness $harness -FilePath systemctl -ArgumentList '--failed', '--plain', '--no-legend').Output
            Write-Warning "The systemd harness booted degraded: $($failed -join '; ')"
        }
        $harness.BootSeconds = [Math]::Round($watch.Elapsed.TotalSeconds, 3)
        Write-Verbose "systemd harness $root booted in $($harness.BootSeconds) s (host PID $($harness.Pid))"
        $harness
    } catch {
        $failure = $_.Exception.Message
        # systemd's boot status (and any error of boot.sh or setup.sh) is on the pty, kept in console.log.
        $console = if (Test-Path -LiteralPath $harness.ConsoleLog) { (Get-Content -LiteralPath $harness.ConsoleLog -Tail 40) -join "`n" } else { '' }
        try { Stop-SystemdHarness -Harness $harness } catch { Write-Warning "$_" }
        throw "Start-SystemdHarness -Variant ${Variant}: $failure`nconsole:`n$console"
    }
}

function Invoke-InHarness {
    <#
    .SYNOPSIS
        Runs a program inside every namespace of the harness (nsenter -t PID -a); returns
        ExitCode, Output (stdout lines) and Error (stderr text).
    .DESCRIPTION
        The program sees the harness's PID 1, /dev, /run, /sys, unit directories and /etc/default, and
        otherwise the host's files (so /tmp, the repository, dotnet and ~/.nuget are all there).
        The working directory is the caller's (PowerShell's current location) unless -WorkingDirectory.
        Standard input is empty. A program still running after -TimeoutSec is killed and this throws.
    .EXAMPLE
        Invoke-InHarness -Harness $h -FilePath systemctl -ArgumentList show, docker, -p, MainPID
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Harness,
        [Parameter(Mandatory, Position = 0)] [string] $FilePath,
        [Parameter(Position = 1)] [string[]] $ArgumentList = @(),
        [string] $WorkingDirectory,
        # Extra environment variables for the program (a $null value removes one).
        [hashtable] $Environment = @{},
        [ValidateRange(1, 3600)] [int] $TimeoutSec = 120
    )
    if ($Harness.Stopped -or -not (Test-SameProcess $Harness.Pid $Harness.PidStartTicks)) {
        throw "The systemd harness $($Harness.Root) is not running."
    }
    if (-not $WorkingDirectory) {
        # The caller's directory exists inside too, unless it is under what the harness replaces.
        $WorkingDirectory = (Get-Location -PSProvider FileSystem).ProviderPath
        if ($WorkingDirectory -match '^/(run|dev|sys|proc)(/|$)' -or -not (Test-Path -LiteralPath $WorkingDirectory)) { $WorkingDirectory = '/' }
    }
    $psi = [Diagnostics.ProcessStartInfo]::new('nsenter')
    # -a: every namespace of the target. --wd: entering a mount namespace resets the working
    # directory to its root, so name it again (the same path exists inside).
    foreach ($a in @('-t', "$($Harness.Pid)", '-a', "--wd=$WorkingDirectory", '--', $FilePath) + $ArgumentList) {
        $psi.ArgumentList.Add($a)
    }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    Get-HarnessChildEnvironment $psi.Environment
    foreach ($key in $Environment.Keys) {
        if ($null -eq $Environment[$key]) { [void]$psi.Environment.Remove($key) } else { $psi.Environment[$key] = [string]$Environment[$key] }
    }
    $process = [Diagnostics.Process]::Start($psi)
    try {
        $process.StandardInput.Close()
        # Both streams are read concurrently: reading one to the end first can deadlock on the other.
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSec * 1000)) {
            $process.Kill($true)
            throw "'$FilePath $($ArgumentList -join ' ')' in the systemd harness did not finish in $TimeoutSec s."
        }
        $process.WaitForExit() # flushes the asynchronous reads
        $text = $stdout.GetAwaiter().GetResult()
        [string[]] $lines = if ($text) { $text.TrimEnd("`n").Split("`n") } else { @() }
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = $lines
            Error    = $stderr.GetAwaiter().GetResult()
        }
    } finally {
        $process.Dispose()
    }
}

function Invoke-PwshInHarness {
    <#
    .SYNOPSIS
        Runs a PowerShell script inside the harness with the same pwsh as the caller; returns ExitCode,
        Output and Error as Invoke-InHarness does.
    .DESCRIPTION
        This is how NginxKit's cmdlets are tested as a user on that host would run them, e.g.
        Invoke-PwshInHarness -Harness $h -Script 'Import-Module $env:NGINXKIT_MODULE_PATH; Get-DockerService'
        The caller's environment passes through (NGINXKIT_MODULE_PATH, HOME, NUGET_PACKAGES...).
        Under `dotnet pwsh` the process is dotnet running pwsh.dll, so both are passed on.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Harness,
        [Parameter(Mandatory, Position = 0)] [string] $Script,
        [string] $WorkingDirectory,
        [hashtable] $Environment = @{},
        [ValidateRange(1, 3600)] [int] $TimeoutSec = 300
    )
    $pwsh = Get-PwshCommand
    [string[]] $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Script)
    $params = @{ Harness = $Harness; FilePath = $pwsh[0]; ArgumentList = $arguments; Environment = $Environment; TimeoutSec = $TimeoutSec }
    if ($WorkingDirectory) { $params.WorkingDirectory = $WorkingDirectory }
    Invoke-InHarness @params
}

function Invoke-InHarnessChecked {
    # Invoke-InHarness that fails the test on a non-zero exit, showing stderr.
    param([Parameter(Mandatory)] [psobject] $Harness, [Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList)
    $r = Invoke-InHarness -Harness $Harness -FilePath $FilePath -ArgumentList $ArgumentList
    if ($r.ExitCode -ne 0) { throw "$FilePath $($ArgumentList -join ' ') exited $($r.ExitCode): $($r.Error)" }
    $r
}

function Get-UnitShow {
    # `systemctl show UNIT -p ...` as a hashtable, keys as systemctl prints them.
    param([Parameter(Mandatory)] [psobject] $Harness, [string] $Unit = 'docker.service',
        [string] $Property = 'FragmentPath,UnitFileState,ActiveState,SubState,MainPID,ExecStart,EnvironmentFiles,DropInPaths,NeedDaemonReload,InvocationID')
    $values = @{}
    foreach ($line in (Invoke-InHarnessChecked $Harness systemctl @('show', $Unit, '-p', $Property)).Output) {
        $eq = $line.IndexOf('=')
        if ($eq -gt 0) { $values[$line.Substring(0, $eq)] = $line.Substring($eq + 1) }
    }
    $values
}

function Get-MainCommandLine {
    # A unit's MainPID (as systemctl shows it) and that process's argv, from /proc inside the harness.
    param([Parameter(Mandatory)] [psobject] $Harness, [string] $Unit = 'docker.service')
    $mainPid = (Get-UnitShow $Harness -Unit $Unit -Property MainPID).MainPID
    [pscustomobject]@{
        MainPID = $mainPid
        Argv    = @((Invoke-InHarnessChecked $Harness /bin/sh @('-c', "tr '\0' '\n' < /proc/$mainPid/cmdline")).Output)
    }
}

function Import-BusyboxImage {
    # A one-binary image named -Tag in the harness's real docker (no registry here), for containers to run.
    param([Parameter(Mandatory)] [psobject] $Harness, [Parameter(Mandatory)] [string] $Docker, [Parameter(Mandatory)] [string] $Tag)
    $tar = New-BusyboxRootfsTarball -Path (Join-Path $Harness.Root 'busybox-rootfs.tar')
    $null = Invoke-InHarnessChecked $Harness $Docker @('import', $tar, $Tag)
}

function Test-SystemdHarnessUsable {
    <#
    .SYNOPSIS
        For a suite's BeforeDiscovery: $true when the harness can run here (its tools and
        Test-SystemdHarnessSupported). Under NGINXKIT_REQUIRE_REAL=1 a machine that cannot throws instead,
        so CI fails rather than skips (Find-RealTool throws there for a missing tool).
    #>
    $tools = @(Find-RealTool -Name systemd; Find-RealTool -Name unshare; Find-RealTool -Name nsenter; Find-RealTool -Name script)
    $supported = ($tools -notcontains $null) -and (Test-SystemdHarnessSupported)
    if (-not $supported -and $env:NGINXKIT_REQUIRE_REAL -eq '1') {
        throw 'NGINXKIT_REQUIRE_REAL=1 but this machine cannot run the systemd harness (needs root, util-linux and systemd).'
    }
    $supported
}

function Start-DockerIoHarness {
    <#
    .SYNOPSIS
        A harness running Debian's real docker.io. Installs docker.io (and busybox-static) on the host when
        missing; no host daemon is left running. Returns Ready, Harness (when ready), Docker (Debian's CLI,
        matching the daemon: a newer one may sit first in PATH) and NotReady, the reason to skip when not
        ready. Under NGINXKIT_REQUIRE_REAL=1 a docker.io that cannot be installed throws.
    #>
    $ready = try { Install-DockerIoPackage } catch { Write-Warning "$_"; $false }
    if (-not $ready -and $env:NGINXKIT_REQUIRE_REAL -eq '1') { throw 'NGINXKIT_REQUIRE_REAL=1 but docker.io is not installed and could not be installed.' }
    [pscustomobject]@{
        Ready    = [bool]$ready
        Harness  = if ($ready) { Start-SystemdHarness -Variant RealDockerIo } else { $null }
        Docker   = '/usr/bin/docker'
        NotReady = 'docker.io is not installed and could not be installed (needs root and apt-get)'
    }
}

function Get-StandInDockerdRecord {
    <#
    .SYNOPSIS
        What systemd handed the stand-in dockerd at the unit's current start: Pid, Program (the path
        executed), Argv (the arguments after it) and Environment (a case-sensitive hashtable).
    .DESCRIPTION
        Matches the record to `systemctl show -p MainPID` of -Unit, waiting up to -TimeoutSec for it to
        appear (the stand-in writes it a few ms after a (re)start). -Latest takes the newest record
        instead, e.g. after the unit was stopped.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Harness,
        [string] $Unit = 'docker.service',
        [switch] $Latest,
        [ValidateRange(1, 600)] [int] $TimeoutSec = 10
    )
    # The condition runs in a child scope: it reports the PID through $seen.
    $seen = @{ Pid = 0 }
    $found = Wait-Until -TimeoutSec $TimeoutSec -Condition {
        if ($Latest) {
            $file = Join-Path $Harness.Results 'latest'
            $seen.Pid = if (Test-Path -LiteralPath $file) { [int](Get-Content -LiteralPath $file -Raw).Trim() } else { 0 }
        } else {
            $r = Invoke-InHarness -Harness $Harness -FilePath systemctl -ArgumentList show, $Unit, -p, MainPID, --value
            $seen.Pid = [int]("$($r.Output)".Trim() -replace '^$', '0')
        }
        $seen.Pid -gt 0 -and (Test-Path -LiteralPath (Join-Path $Harness.Results "$($seen.Pid).argv"))
    }
    $recordPid = $seen.Pid
    if (-not $found) {
        $have = (Get-ChildItem -LiteralPath $Harness.Results -Filter '*.argv' -ErrorAction Ignore).Name -join ', '
        throw "No stand-in dockerd record for $Unit (MainPID $recordPid) after $TimeoutSec s; records: $have"
    }
    $base = Join-Path $Harness.Results "$recordPid"
    $environment = [hashtable]::new([StringComparer]::Ordinal)
    foreach ($entry in [IO.File]::ReadAllText("$base.env").Split([char]0)) {
        $eq = $entry.IndexOf('=')
        if ($eq -gt 0) { $environment[$entry.Substring(0, $eq)] = $entry.Substring($eq + 1) }
    }
    $argvText = [IO.File]::ReadAllText("$base.argv")
    [pscustomobject]@{
        Pid         = $recordPid
        Program     = [IO.File]::ReadAllText("$base.exe").TrimEnd("`n")
        Argv        = [string[]]$(if ($argvText) { $argvText.TrimEnd("`n").Split("`n") } else { @() })
        Environment = $environment
    }
}

function New-SystemdOfflineRoot {
    <#
    .SYNOPSIS
        Copies the harness's unit directories and /etc/default into a root tree for
        `systemd-analyze verify --root=DIR` and `systemctl --root=DIR`; returns its path (the caller removes it).
    .DESCRIPTION
        Layout as on Debian 12: usr/lib/systemd/system, etc/systemd/system, etc/default, with lib, bin and
        sbin linking into usr. verify insists that every Exec*= program exists and is executable under
        the root, so each absolute one named by a unit or drop-in gets a placeholder script there.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [psobject] $Harness,
        [string] $Path = (Join-Path (Get-HarnessTempBase) ('nginxkit-offline-' + [guid]::NewGuid().ToString('N').Substring(0, 12)))
    )
    foreach ($dir in 'usr/lib/systemd', 'usr/bin', 'usr/sbin', 'etc/systemd') { [void][IO.Directory]::CreateDirectory((Join-Path $Path $dir)) }
    foreach ($link in 'lib', 'bin', 'sbin') { [void][IO.File]::CreateSymbolicLink((Join-Path $Path $link), "usr/$link") }
    # cp -a keeps the enable symlinks as symlinks (Copy-Item would follow them).
    foreach ($pair in @(@($Harness.LibSystemdSystem, 'usr/lib/systemd/system'), @($Harness.EtcSystemdSystem, 'etc/systemd/system'), @($Harness.EtcDefault, 'etc/default'))) {
        & cp -a "$($pair[0])/." (Join-Path $Path $pair[1]) 2>&1 | Out-Null
        if (-not (Test-Path -LiteralPath (Join-Path $Path $pair[1]))) { & cp -a "$($pair[0])" (Join-Path $Path $pair[1]) }
    }
    $programs = Get-ChildItem -LiteralPath (Join-Path $Path 'usr/lib/systemd/system'), (Join-Path $Path 'etc/systemd/system') -Recurse -File -Include '*.service', '*.conf' |
        Select-String -Pattern '^\s*Exec\w*\s*=\s*[-@:+!|]*(/\S+)' | ForEach-Object { $_.Matches[0].Groups[1].Value } | Sort-Object -Unique
    foreach ($program in $programs) {
        $target = Join-Path $Path $program.TrimStart('/')
        if (Test-Path -LiteralPath $target) { continue }
        [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target))
        Set-Content -LiteralPath $target -Value "#!/bin/sh`n# placeholder for systemd-analyze verify --root`nexit 0"
        [IO.File]::SetUnixFileMode($target, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute')
    }
    $Path
}

function New-BusyboxRootfsTarball {
    <#
    .SYNOPSIS
        Writes a tarball of a minimal rootfs (/bin/busybox, applet symlinks, empty /etc, /tmp) for
        `docker import`: images cannot be pulled here. Returns the tarball's path.
    .DESCRIPTION
        Uses the host's /bin/busybox (busybox-static, which Install-DockerIoPackage installs). A dynamic
        busybox gets the libraries ldd names copied along.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [string[]] $Applet = @('sh', 'cat', 'echo', 'ls', 'sleep', 'env')
    )
    $busybox = '/bin/busybox'
    if (-not (Test-Path $busybox)) { throw "No ${busybox}: apt-get install busybox-static (Install-DockerIoPackage does)." }
    $rootfs = Join-Path (Get-HarnessTempBase) ('nginxkit-rootfs-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    try {
        foreach ($dir in 'bin', 'etc', 'tmp', 'proc', 'sys', 'dev') { [void][IO.Directory]::CreateDirectory((Join-Path $rootfs $dir)) }
        Copy-Item $busybox (Join-Path $rootfs 'bin/busybox')
        foreach ($name in $Applet) { [void][IO.File]::CreateSymbolicLink((Join-Path $rootfs "bin/$name"), 'busybox') }
        foreach ($lib in (& ldd $busybox 2>$null) | Select-String -Pattern '(/\S+)' -AllMatches | ForEach-Object { $_.Matches.Value }) {
            $dest = Join-Path $rootfs $lib.TrimStart('/')
            [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($dest))
            Copy-Item $lib $dest
        }
        & tar -C $rootfs -cf $Path .
        if ($LASTEXITCODE -ne 0) { throw "tar failed for $Path" }
        $Path
    } finally {
        Remove-Item -LiteralPath $rootfs -Recurse -Force -ErrorAction Ignore
    }
}

function Stop-SystemdHarness {
    <#
    .SYNOPSIS
        Tears the harness down: SIGKILL to the inner systemd (the kernel then kills its whole PID
        namespace: services, real dockerd, containerd, shims, containers, nsenter'd programs), waits,
        removes its cgroups depth-first and its temp dir. Throws if a process, cgroup or directory is left.
        Safe to call twice, and on a harness whose boot failed half way.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] [psobject] $Harness)
    process {
        $root = $Harness.Root
        if (-not $root -or -not ([IO.Path]::GetFileName($root)).StartsWith($script:RootPrefix)) { throw "Not a systemd harness root: '$root'" }
        # What a half-started (or stale) harness recorded on disk fills in what the object lacks.
        $state = $Harness
        $stateFile = Join-Path $root 'state.json'
        if (-not ($Harness.PSObject.Properties['Pid'] -and $Harness.Pid) -and (Test-Path -LiteralPath $stateFile)) {
            $state = Get-Content -LiteralPath $stateFile -Raw | ConvertFrom-Json
        }
        $cgroupFile = Join-Path $root 'cgroups'
        [string[]] $cgroups = if (Test-Path -LiteralPath $cgroupFile) { Get-Content -LiteralPath $cgroupFile } else { @() }
        $namespace = if ($state.PSObject.Properties['PidNamespace']) { $state.PidNamespace } else { $null }

        $watch = [Diagnostics.Stopwatch]::StartNew()
        # 1. The inner systemd, if it is still the process we started (PIDs get reused).
        if ($state.PSObject.Properties['Pid'] -and $state.Pid -and (Test-SameProcess $state.Pid $state.PidStartTicks)) {
            Send-Kill $state.Pid
        }
        # 2. Whatever is still in the harness's cgroups (unshare; setup.sh if boot failed before exec;
        #    processes of the namespace the kernel has not reaped yet): kill until they are empty.
        $drained = Wait-Until -TimeoutSec 15 -Condition {
            $left = @(Get-ProcessesInCgroups $cgroups) + @(Get-ProcessesInNamespace $namespace)
            if ($left) { Send-Kill $left }
            -not $left
        }
        Write-Verbose "harness processes gone after $($watch.ElapsedMilliseconds) ms"
        # 3. script(1) and its bash wrapper end when unshare does; if not, they go too.
        if ($state.PSObject.Properties['ScriptPid'] -and $state.ScriptPid) {
            $scriptPid = [int]$state.ScriptPid
            $isOurs = { try { [IO.File]::ReadAllText("/proc/$scriptPid/cmdline").Contains($root) } catch { $false } }
            if (-not (Wait-Until -TimeoutSec 5 -Condition { -not (& $isOurs) })) { Send-Kill $scriptPid }
        }
        Write-Verbose "script(1) gone after $($watch.ElapsedMilliseconds) ms"
        # 4. cgroups depth-first: a cgroup directory is removed with rmdir, and only once it has no
        #    children and no processes. Directory.Delete(path, $false) is rmdir.
        $leftCgroups = @()
        foreach ($cg in $cgroups) {
            if (-not [IO.Directory]::Exists($cg)) { continue }
            $dirs = @([IO.Directory]::GetDirectories($cg, '*', [IO.SearchOption]::AllDirectories) |
                    Sort-Object { $_.Split('/').Count } -Descending) + $cg
            foreach ($dir in $dirs) {
                $gone = Wait-Until -TimeoutSec 5 -Condition {
                    try { [IO.Directory]::Delete($dir, $false) } catch { }
                    -not [IO.Directory]::Exists($dir)
                }
                if (-not $gone) { $leftCgroups += $dir }
            }
        }
        Write-Verbose "cgroups removed after $($watch.ElapsedMilliseconds) ms"
        # 5. The temp dir. Its mounts lived in the harness's mount namespace, gone with its last
        #    process; --one-file-system still refuses to descend into anything mounted there.
        if (Test-Path -LiteralPath $root) { & rm -rf --one-file-system -- $root 2>&1 | Out-Null }
        if ($Harness.PSObject.Properties['Stopped']) { $Harness.Stopped = $true }
        Write-Verbose "temp dir removed after $($watch.ElapsedMilliseconds) ms"

        $leftProcesses = @(Get-ProcessesInCgroups $cgroups) + @(Get-ProcessesInNamespace $namespace)
        $problems = @()
        if (-not $drained -or $leftProcesses) { $problems += "processes still running: $($leftProcesses -join ', ')" }
        if ($leftCgroups) { $problems += "cgroups not removed: $($leftCgroups -join ', ')" }
        if (Test-Path -LiteralPath $root) { $problems += "directory not removed: $root" }
        if ($problems) { throw "Stop-SystemdHarness ${root}: $($problems -join '; ')" }
    }
}

Export-ModuleMember -Function Test-SystemdHarnessSupported, Test-SystemdHarnessUsable, Install-DockerIoPackage, Start-SystemdHarness,
    Start-DockerIoHarness, Invoke-InHarness, Invoke-InHarnessChecked, Invoke-PwshInHarness, Get-UnitShow, Get-MainCommandLine, Import-BusyboxImage, Get-StandInDockerdRecord, New-SystemdOfflineRoot, New-BusyboxRootfsTarball, Stop-SystemdHarness
