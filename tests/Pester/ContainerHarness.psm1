# Runs the entry image with the real docker engine, in a dockerd of the test's own.
#
#   Start-PrivateDockerd / Stop-PrivateDockerd
#                               a dockerd with its own data root, exec root and socket, no iptables, no bridge
#   Invoke-Docker               the docker CLI against that daemon; throws on a non-zero exit unless -AllowFailure
#   Get-EntryTestBase           the Debian bookworm base with nginx, built with debootstrap and cached
#   Build-EntryImage            src/Container/Dockerfile on that base, tagged as build.ps1 Image tags it
#   Start-EntryPod / Stop-EntryPod
#                               the manifest's pod, container by container, exactly as the Deployment states it
#
# Environment:
#   NGINXKIT_REPO_ROOT        the repository root: out/nginxkit-sync/nginxkit-sync must be built (build.ps1 Build)
#   NGINXKIT_CONTAINER_CACHE  where the base's rootfs tarball is kept between runs (default out/cache/container)

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

$script:BaseImage = 'nginxkit-test-base:bookworm'

function Start-PrivateDockerd {
    <#
    .SYNOPSIS
        Starts dockerd with everything under a fresh temp directory and waits until it answers.
        Returns Directory, Socket (a unix:// URL for DOCKER_HOST), PidFile and Process.
    #>
    [CmdletBinding()]
    param([int] $TimeoutSec = 60)
    $dockerd = Find-RealTool -Name dockerd
    if (-not $dockerd) { return $null }
    # Short: containerd's socket path under the exec root must stay below 108 bytes.
    $dir = Join-Path '/tmp' ('nkd-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $dir
    $daemon = [pscustomobject]@{
        PSTypeName = 'NginxKit.Test.Dockerd'
        Directory  = $dir
        Socket     = "unix://$dir/docker.sock"
        PidFile    = "$dir/dockerd.pid"
        Log        = "$dir/dockerd.log"
        Process    = $null
    }
    $psi = [Diagnostics.ProcessStartInfo]::new($dockerd)
    foreach ($a in '--data-root', "$dir/data", '--exec-root', "$dir/exec", '-H', $daemon.Socket, '--pidfile', $daemon.PidFile,
        '--iptables=false', '--bridge=none') { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $daemon.Process = [Diagnostics.Process]::Start($psi)
    $logWriter = [IO.StreamWriter]::new($daemon.Log)
    $daemon | Add-Member -NotePropertyName LogTasks -NotePropertyValue @(
        $daemon.Process.StandardOutput.BaseStream.CopyToAsync($logWriter.BaseStream),
        $daemon.Process.StandardError.BaseStream.CopyToAsync($logWriter.BaseStream))
    $daemon | Add-Member -NotePropertyName LogWriter -NotePropertyValue $logWriter
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ($true) {
        $r = Invoke-Docker -Daemon $daemon -Arguments @('version', '--format', '{{.Server.Version}}') -AllowFailure
        if ($r.ExitCode -eq 0) { break }
        if ($daemon.Process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            Stop-PrivateDockerd $daemon
            throw "dockerd did not answer within $TimeoutSec s: $($r.Error)"
        }
        Start-Sleep -Milliseconds 200
    }
    $daemon
}

function Stop-PrivateDockerd {
    <# .SYNOPSIS Removes every container of the daemon, stops it by its own pid, and removes its directory. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [AllowNull()] [object] $Daemon)
    if (-not $Daemon) { return }
    if ($Daemon.Process -and -not $Daemon.Process.HasExited) {
        $ids = (Invoke-Docker -Daemon $Daemon -Arguments @('ps', '-aq') -AllowFailure).Output -split "`n" | Where-Object { $_ }
        if ($ids) { $null = Invoke-Docker -Daemon $Daemon -Arguments (@('rm', '-f') + $ids) -AllowFailure }
        $kill = (Get-Command kill -CommandType Application | Select-Object -First 1).Source
        & $kill -TERM $Daemon.Process.Id
        if (-not $Daemon.Process.WaitForExit(30000)) { $Daemon.Process.Kill($true); $null = $Daemon.Process.WaitForExit(5000) }
    }
    try { [Threading.Tasks.Task]::WaitAll([Threading.Tasks.Task[]]$Daemon.LogTasks, 5000) | Out-Null } catch { Write-Verbose "dockerd log: $_" }
    $Daemon.LogWriter.Dispose()
    # Container layers may still be mounted for a moment after dockerd exits.
    foreach ($m in @(Get-Content /proc/self/mounts | ForEach-Object { ($_ -split ' ')[1] } | Where-Object { $_ -like "$($Daemon.Directory)/*" } | Sort-Object -Descending)) {
        & umount -l $m 2>$null
    }
    Remove-Item -LiteralPath $Daemon.Directory -Recurse -Force -ErrorAction Ignore
}

function Invoke-Docker {
    <#
    .SYNOPSIS
        Runs the docker CLI against the private daemon: ExitCode, Output, Error. Throws on a non-zero
        exit unless -AllowFailure. The classic builder: the CLI here has no buildx plugin.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object] $Daemon,
        [Parameter(Mandatory, Position = 0)] [string[]] $Arguments,
        [string] $StandardInput,
        [switch] $AllowFailure,
        [int] $TimeoutSec = 600
    )
    $psi = [Diagnostics.ProcessStartInfo]::new((Find-RealTool -Name docker))
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.Environment['DOCKER_HOST'] = $Daemon.Socket
    $psi.Environment['DOCKER_BUILDKIT'] = '0'
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $p = [Diagnostics.Process]::Start($psi)
    try {
        $out = $p.StandardOutput.ReadToEndAsync()
        $err = $p.StandardError.ReadToEndAsync()
        if ($StandardInput) { $p.StandardInput.Write($StandardInput) }
        $p.StandardInput.Close()
        if (-not $p.WaitForExit($TimeoutSec * 1000)) { $p.Kill($true); throw "docker $($Arguments -join ' ') did not finish within $TimeoutSec s." }
        $p.WaitForExit()
        $r = [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.GetAwaiter().GetResult().TrimEnd(); Error = $err.GetAwaiter().GetResult().TrimEnd() }
    } finally { $p.Dispose() }
    if ($r.ExitCode -ne 0 -and -not $AllowFailure) { throw "docker $($Arguments -join ' ') exited with $($r.ExitCode): $($r.Error)" }
    $r
}

function Get-DebianMirror {
    $sources = Get-Content /etc/apt/sources.list.d/debian.sources -ErrorAction Ignore | Where-Object { $_ -match '^URIs:\s*(\S+)' } | Select-Object -First 1
    if ($sources -and $sources -match '^URIs:\s*(\S+)') { return $Matches[1] }
    'http://deb.debian.org/debian'
}

function Get-EntryTestBase {
    <#
    .SYNOPSIS
        The image the entry image is built on in these tests: Debian bookworm (debootstrap
        --variant=minbase) with Debian's nginx, imported into the daemon. Registries are out of
        reach here, so the official nginx image cannot be pulled. The daemon is asked first; then
        the rootfs tarball kept in the cache folder; only then debootstrap runs (about a minute).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Daemon)
    if ((Invoke-Docker -Daemon $Daemon -Arguments @('image', 'inspect', $script:BaseImage) -AllowFailure).ExitCode -eq 0) { return $script:BaseImage }
    $cache = if ($env:NGINXKIT_CONTAINER_CACHE) { $env:NGINXKIT_CONTAINER_CACHE } else { Join-Path (Get-RepoRoot) 'out/cache/container' }
    $null = New-Item -ItemType Directory -Force -Path $cache
    $tarball = Join-Path $cache 'nginxkit-test-base-bookworm.tar'
    if (-not (Test-Path -LiteralPath $tarball)) {
        $debootstrap = Find-RealTool -Name debootstrap
        if (-not $debootstrap) { throw 'debootstrap is not installed (build.ps1 Test installs it); the entry image needs a base.' }
        $rootfs = Join-Path $cache "rootfs-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        try {
            $out = & $debootstrap --variant=minbase bookworm $rootfs (Get-DebianMirror) 2>&1
            if ($LASTEXITCODE -ne 0) { throw "debootstrap failed ($LASTEXITCODE): $(($out | Select-Object -Last 20) -join "`n")" }
            # Packages must not start services inside the chroot.
            Set-Content -LiteralPath "$rootfs/usr/sbin/policy-rc.d" -Value "#!/bin/sh`nexit 101"
            & chmod 755 "$rootfs/usr/sbin/policy-rc.d"
            $out = & chroot $rootfs /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light 2>&1
            if ($LASTEXITCODE -ne 0) { throw "apt-get install nginx-light in the rootfs failed ($LASTEXITCODE): $(($out | Select-Object -Last 20) -join "`n")" }
            & chroot $rootfs apt-get clean
            Remove-Item -LiteralPath "$rootfs/usr/sbin/policy-rc.d"
            Remove-Item -Path "$rootfs/var/lib/apt/lists/*" -Recurse -Force -ErrorAction Ignore
            $partial = "$tarball.partial"
            & tar -C $rootfs -cf $partial .
            if ($LASTEXITCODE -ne 0) { throw "tar of the rootfs failed ($LASTEXITCODE)" }
            Move-Item -LiteralPath $partial -Destination $tarball -Force
        } finally {
            foreach ($m in @(Get-Content /proc/self/mounts | ForEach-Object { ($_ -split ' ')[1] } | Where-Object { $_ -like "$rootfs/*" } | Sort-Object -Descending)) { & umount -l $m 2>$null }
            Remove-Item -LiteralPath $rootfs -Recurse -Force -ErrorAction Ignore
        }
    }
    $null = Invoke-Docker -Daemon $Daemon -Arguments @('import', $tarball, $script:BaseImage)
    $script:BaseImage
}

function Build-EntryImage {
    <#
    .SYNOPSIS
        Builds src/Container/Dockerfile with BASE set to -Base and the given tag, from the repository
        root (its .dockerignore sends only what the Dockerfile copies). Returns the tag.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Daemon, [Parameter(Mandatory)] [string] $Base, [Parameter(Mandatory)] [string] $Tag)
    $root = Get-RepoRoot
    if (-not (Test-Path -LiteralPath "$root/out/nginxkit-sync/nginxkit-sync")) { throw "out/nginxkit-sync/nginxkit-sync is missing: run build.ps1 Build first." }
    $null = Invoke-Docker -Daemon $Daemon -Arguments @('build', '-q', '-f', "$root/src/Container/Dockerfile", '--build-arg', "BASE=$Base", '-t', $Tag, $root)
    $Tag
}

function ConvertTo-DockerRun {
    # One container of the pod spec as docker run's options and command line: the image, command,
    # args, mounts, user and security context as the Deployment states them.
    param([object] $Pod, [object] $Container, [string] $PodName, [hashtable] $Volumes, [hashtable] $Environment)
    $options = [Collections.Generic.List[string]]::new()
    $options.AddRange([string[]]@('--name', "$PodName-$($Container.Name)", '--network', "container:$PodName-pause"))
    if ($Pod.ShareProcessNamespace) { $options.AddRange([string[]]@('--pid', "container:$PodName-pause")) }
    $user = $Pod.SecurityContext.RunAsUser
    $group = $Pod.SecurityContext.RunAsGroup
    if ($Container.SecurityContext -and $null -ne $Container.SecurityContext.RunAsUser) { $user = $Container.SecurityContext.RunAsUser }
    if ($null -ne $user) { $options.AddRange([string[]]@('--user', "$user$(if ($null -ne $group) { ":$group" })")) }
    $sc = $Container.SecurityContext
    if ($sc) {
        if ($sc.ReadOnlyRootFilesystem) { $options.Add('--read-only') }
        if ($sc.AllowPrivilegeEscalation -eq $false) { $options.AddRange([string[]]@('--security-opt', 'no-new-privileges')) }
        foreach ($cap in @($sc.Capabilities.Drop | Where-Object { $_ })) { $options.AddRange([string[]]@('--cap-drop', $cap)) }
        foreach ($cap in @($sc.Capabilities.Add | Where-Object { $_ })) { $options.AddRange([string[]]@('--cap-add', $cap)) }
    }
    foreach ($m in @($Container.VolumeMounts)) {
        $v = $Volumes[$m.Name]
        if (-not $v) { throw "Container $($Container.Name) mounts volume '$($m.Name)', which the pod does not declare." }
        $ro = if ($m.ReadOnlyProperty) { ',readonly' } else { '' }
        $spec = if ($v.Kind -eq 'bind') { "type=bind,src=$($v.Source),dst=$($m.MountPath)$ro" } else { "type=volume,src=$($v.Source),dst=$($m.MountPath),volume-nocopy$ro" }
        $options.AddRange([string[]]@('--mount', $spec))
    }
    foreach ($name in $Environment.Keys) { $options.AddRange([string[]]@('--env', "$name=$($Environment[$name])")) }
    foreach ($e in @($Container.Env | Where-Object { $_ })) { $options.AddRange([string[]]@('--env', "$($e.Name)=$($e.Value)")) }
    $command = @($Container.Command)
    $options.AddRange([string[]]@('--entrypoint', $command[0], $Container.Image))
    $options.AddRange([string[]]@($command | Select-Object -Skip 1))
    $options.AddRange([string[]]@($Container.Args))
    , $options.ToArray()
}

function Start-EntryPod {
    <#
    .SYNOPSIS
        Runs the Deployment's pod template as a kubelet would, with docker: a pause container that
        holds the namespaces (the host's network namespace, so the pod reaches the fake API server
        and echo backends on loopback), the emptyDirs as fresh docker volumes (mode 0777, as the
        kubelet makes them), the projected service-account volume as a directory holding token,
        ca.crt and namespace, KUBERNETES_SERVICE_HOST/PORT in every container, each init container
        to completion, then the containers.
    .DESCRIPTION
        Returns Name, Daemon, Init (one result per init container: Name, ExitCode, Output, Error),
        Containers (names) and Failed (true when an init container failed, as a pod stays Init:Error).
        The containers are read from the Deployment object New-NginxKitManifest wrote; nothing of
        them is restated here.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object] $Daemon,
        [Parameter(Mandatory)] [object] $Deployment,
        [Parameter(Mandatory)] [string] $Name,
        # The service account's files: token, ca.crt and namespace.
        [Parameter(Mandatory)] [string] $ServiceAccountDirectory,
        [Parameter(Mandatory)] [string] $ApiHost,
        [Parameter(Mandatory)] [int] $ApiPort,
        [Parameter(Mandatory)] [string] $PauseImage
    )
    $pod = $Deployment.Spec.Template.Spec
    $null = Invoke-Docker -Daemon $Daemon -Arguments @('run', '-d', '--name', "$Name-pause", '--network', 'host', '--entrypoint', 'sleep', $PauseImage, 'infinity')
    $volumes = @{}
    foreach ($v in @($pod.Volumes)) {
        if ($v.EmptyDir) {
            $source = "$Name-$($v.Name)"
            $null = Invoke-Docker -Daemon $Daemon -Arguments @('volume', 'create', $source)
            $null = Invoke-Docker -Daemon $Daemon -Arguments @('run', '--rm', '--network', 'none', '--entrypoint', 'chmod', '--mount', "type=volume,src=$source,dst=/v,volume-nocopy", $PauseImage, '0777', '/v')
            $volumes[$v.Name] = @{ Kind = 'volume'; Source = $source }
        } elseif ($v.Projected -and @($v.Projected.Sources | Where-Object { $_.ServiceAccountToken })) {
            $volumes[$v.Name] = @{ Kind = 'bind'; Source = $ServiceAccountDirectory }
        } else {
            throw "Volume '$($v.Name)' is neither an emptyDir nor the service-account projection; the harness cannot give it."
        }
    }
    $environment = @{ KUBERNETES_SERVICE_HOST = $ApiHost; KUBERNETES_SERVICE_PORT = "$ApiPort" }
    $result = [pscustomobject]@{
        PSTypeName = 'NginxKit.Test.EntryPod'
        Name       = $Name
        Daemon     = $Daemon
        Init       = [Collections.Generic.List[object]]::new()
        Containers = @($pod.Containers | ForEach-Object Name)
        Volumes    = $volumes
        Failed     = $false
    }
    foreach ($c in @($pod.InitContainers)) {
        $run = ConvertTo-DockerRun -Pod $pod -Container $c -PodName $Name -Volumes $volumes -Environment $environment
        $r = Invoke-Docker -Daemon $Daemon -Arguments (@('run') + $run) -AllowFailure
        $null = Invoke-Docker -Daemon $Daemon -Arguments @('rm', "$Name-$($c.Name)") -AllowFailure
        $result.Init.Add([pscustomobject]@{ Name = $c.Name; ExitCode = $r.ExitCode; Output = $r.Output; Error = $r.Error })
        if ($r.ExitCode -ne 0) { $result.Failed = $true; return $result }
    }
    foreach ($c in @($pod.Containers)) {
        $run = ConvertTo-DockerRun -Pod $pod -Container $c -PodName $Name -Volumes $volumes -Environment $environment
        $null = Invoke-Docker -Daemon $Daemon -Arguments (@('run', '-d') + $run)
    }
    $result
}

function Get-EntryPodLog {
    <# .SYNOPSIS One container's log lines so far (stdout and stderr, as kubectl logs shows them). #>
    param([Parameter(Mandatory)] [object] $Pod, [Parameter(Mandatory)] [string] $Container)
    $r = Invoke-Docker -Daemon $Pod.Daemon -Arguments @('logs', "$($Pod.Name)-$Container") -AllowFailure
    @(("$($r.Output)`n$($r.Error)") -split "`n" | Where-Object { $_ })
}

function Get-EntryPodFile {
    <# .SYNOPSIS A file from one of the pod's emptyDir volumes, read through a throwaway container. #>
    param([Parameter(Mandatory)] [object] $Pod, [Parameter(Mandatory)] [string] $Volume, [Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Image)
    $source = $Pod.Volumes[$Volume].Source
    (Invoke-Docker -Daemon $Pod.Daemon -Arguments @('run', '--rm', '--network', 'none', '--entrypoint', 'cat', '--mount', "type=volume,src=$source,dst=/v,readonly,volume-nocopy", $Image, "/v/$Path")).Output
}

function Stop-EntryPod {
    <# .SYNOPSIS Removes the pod's containers and volumes. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [AllowNull()] [object] $Pod)
    if (-not $Pod) { return }
    $names = @($Pod.Containers | ForEach-Object { "$($Pod.Name)-$_" }) + @("$($Pod.Name)-pause")
    $null = Invoke-Docker -Daemon $Pod.Daemon -Arguments (@('rm', '-f') + $names) -AllowFailure
    foreach ($v in $Pod.Volumes.Values | Where-Object { $_.Kind -eq 'volume' }) {
        $null = Invoke-Docker -Daemon $Pod.Daemon -Arguments @('volume', 'rm', '-f', $v.Source) -AllowFailure
    }
}

Export-ModuleMember -Function Start-PrivateDockerd, Stop-PrivateDockerd, Invoke-Docker, Get-EntryTestBase, Build-EntryImage,
    Start-EntryPod, Stop-EntryPod, Get-EntryPodLog, Get-EntryPodFile
