<#
    The entry deployment against the fake kube-apiserver (tests/Fixtures/FakeKubeApi): what
    New-NginxKitManifest builds, applied by the REAL kubectl (server-side apply) and by
    Deploy-NginxKit (server-side apply, field manager "nginxkit"), from the pipeline and from a
    YAML file. Re-applying is a no-op the server can see (no new resourceVersion), -WhatIf only
    sends dry runs, and -Wait follows the Deployment's rollout status.

    Environment:
      NGINXKIT_MODULE_PATH     the built NginxKit.psd1 (required)
      NGINXKIT_REPO_ROOT       the repository root (optional)
      NGINXKIT_FAKE_KUBE_API   the built FakeKubeApi.dll; when unset FakeKubeApi.psm1 builds it
      NGINXKIT_REQUIRE_REAL    1 to fail instead of skipping when kubectl is not installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $kubectl = Find-RealTool -Name kubectl
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/FakeKubeApi.psm1" -Force
    Import-Module (Get-NginxKitModulePath) -Force

    # The six objects, in the order Deploy-NginxKit applies them.
    $script:Kinds = @('Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Service')
    # The default node port, 28888, is below Kubernetes' default range (30000-32767): these fakes stand
    # for a cluster whose --service-node-port-range allows it, as the docs require. One test below
    # keeps the default range.
    $script:EntryNodePorts = '28000-32767'

    # One API call, whatever the answer: Code and the parsed Body.
    function Invoke-Api {
        param([object] $Server, [string] $Method = 'GET', [string] $Path, [object] $Body, [string] $ContentType = 'application/json')
        $params = @{ Uri = "$($Server.Url)$Path"; Method = $Method; SkipHttpErrorCheck = $true }
        if ($null -ne $Body) {
            $params.Body = if ($Body -is [string]) { $Body } else { ConvertTo-Json -InputObject $Body -Depth 32 -Compress }
            $params.ContentType = $ContentType
        }
        $response = Invoke-WebRequest @params
        [pscustomobject]@{
            Code = [int]$response.StatusCode
            Body = if ($response.Content) { $response.Content | ConvertFrom-Json -Depth 64 -DateKind String } else { $null }
        }
    }

    # The live objects the entry consists of, by kind: what the API server stores.
    function Get-LiveEntry([object] $Server, [string] $Namespace = 'nginx-entry', [string] $Name = 'nginx-entry') {
        $paths = [ordered]@{
            Namespace          = "/api/v1/namespaces/$Namespace"
            ServiceAccount     = "/api/v1/namespaces/$Namespace/serviceaccounts/$Name"
            ClusterRole        = "/apis/rbac.authorization.k8s.io/v1/clusterroles/$Name-watch-services"
            ClusterRoleBinding = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/$Name-watch-services"
            Deployment         = "/apis/apps/v1/namespaces/$Namespace/deployments/$Name"
            Service            = "/api/v1/namespaces/$Namespace/services/$Name"
        }
        $live = [ordered]@{}
        foreach ($kind in $paths.Keys) {
            $r = Invoke-Api -Server $Server -Path $paths[$kind]
            $live[$kind] = if ($r.Code -eq 200) { $r.Body } else { $null }
        }
        $live
    }

    # Writes to the API (anything but GET), from the request log.
    function Get-ApiWrite([object] $Server) {
        @(Get-FakeKubeRequest -Server $Server -ExcludeDiscovery | Where-Object method -ne 'GET')
    }

    # Every server-side apply Deploy-NginxKit sends: PATCH, apply content type, fieldManager nginxkit, force.
    function Assert-ApplyOnly([object[]] $Writes, [bool] $DryRun) {
        $Writes.Count | Should -Be 6
        foreach ($w in $Writes) {
            $w.method | Should -Be 'PATCH' -Because "$($w.method) $($w.path)"
            $w.contentType | Should -BeLike 'application/apply-patch+yaml*'
            $w.fieldManager | Should -Be 'nginxkit'
            $w.query | Should -Match '(^|&)force=true(&|$)'
            $w.dryRun | Should -Be $DryRun -Because "$($w.method) $($w.path)?$($w.query)"
        }
    }

    # Marks a Deployment rolled out, as its controller would: through the status subresource.
    function Set-DeploymentRolledOut([object] $Server, [string] $Namespace = 'nginx-entry', [string] $Name = 'nginx-entry') {
        $path = "/apis/apps/v1/namespaces/$Namespace/deployments/$Name"
        $d = (Invoke-Api -Server $Server -Path $path).Body
        $n = [int]$d.spec.replicas
        $status = @{ status = @{ observedGeneration = [int]$d.metadata.generation; replicas = $n; updatedReplicas = $n; readyReplicas = $n; availableReplicas = $n } }
        $r = Invoke-Api -Server $Server -Method PATCH -Path "$path/status" -Body $status -ContentType 'application/merge-patch+json'
        $r.Code | Should -Be 200 -Because (ConvertTo-Json -InputObject $r.Body -Depth 64 -Compress)
    }
}

Describe 'New-NginxKitManifest -AsYaml applied by the real kubectl' -Tag 'Kubernetes' -Skip:(-not $kubectl) {
    BeforeAll {
        $fake = Start-FakeKubeApi -ServiceNodePortRange $EntryNodePorts
        $manifest = Join-Path $fake.Directory 'entry.yaml'
        New-NginxKitManifest -AsYaml | Set-Content -LiteralPath $manifest -NoNewline
        $objects = @(New-NginxKitManifest)
        $deployment = $objects | Where-Object Kind -eq 'Deployment'
        $service = $objects | Where-Object Kind -eq 'Service'
    }

    AfterAll {
        Stop-FakeKubeApi $fake
    }

    It 'applies with kubectl apply --server-side: all six objects' {
        $r = Invoke-Kubectl $fake @('apply', '--server-side', '-f', $manifest)
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $lines = @($r.Output -split "`n" | Where-Object { $_ })
        $lines | Should -Be @(
            'namespace/nginx-entry serverside-applied'
            'serviceaccount/nginx-entry serverside-applied'
            'clusterrole.rbac.authorization.k8s.io/nginx-entry-watch-services serverside-applied'
            'clusterrolebinding.rbac.authorization.k8s.io/nginx-entry-watch-services serverside-applied'
            'deployment.apps/nginx-entry serverside-applied'
            'service/nginx-entry serverside-applied'
        )
        $r.Error | Should -BeNullOrEmpty
        (Get-ApiWrite $fake).fieldManager | Sort-Object -Unique | Should -Be 'kubectl'
    }

    It 'kubectl get deploy,svc,sa -o json shows what New-NginxKitManifest produced' {
        $r = Invoke-Kubectl $fake @('get', 'deploy,svc,sa', '-n', 'nginx-entry', '-o', 'json')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $items = ($r.Output | ConvertFrom-Json -Depth 64 -DateKind String).items
        @($items | ForEach-Object { "$($_.kind)/$($_.metadata.name)" }) | Sort-Object | Should -Be @(
            'Deployment/nginx-entry', 'Service/nginx-entry', 'ServiceAccount/nginx-entry')

        $d = $items | Where-Object kind -eq 'Deployment'
        $pod = $d.spec.template.spec
        $d.spec.replicas | Should -Be $deployment.Spec.Replicas
        $d.spec.replicas | Should -Be 2
        $d.spec.selector.matchLabels.'app.kubernetes.io/name' | Should -Be 'nginx-entry'
        $d.metadata.labels.'app.kubernetes.io/managed-by' | Should -Be 'nginxkit'
        $pod.nodeSelector.role | Should -Be 'entry'
        @($pod.nodeSelector.PSObject.Properties).Count | Should -Be 1
        $pod.serviceAccountName | Should -Be 'nginx-entry'
        $pod.shareProcessNamespace | Should -BeTrue
        @($pod.initContainers.name) | Should -Be @($deployment.Spec.Template.Spec.InitContainers.Name)
        @($pod.initContainers.name) | Should -Be @('render')
        $pod.initContainers[0].image | Should -Be 'nginxkit:latest'
        @($pod.initContainers[0].command) | Should -Be @($deployment.Spec.Template.Spec.InitContainers[0].Command)
        $pod.initContainers[0].command[-1] | Should -Match '^Sync-NginxConf -Once -OutFile /etc/nginx/conf.d/default.conf'
        @($pod.containers.name) | Should -Be @('nginx', 'sync')
        $pod.containers[0].image | Should -Be 'nginx:1.27'
        $pod.containers[1].command[-1] | Should -Match '^Sync-NginxConf -Watch .* -ReloadPidFile /run/nginx/nginx.pid'
        @($pod.volumes.name) | Should -Be @('conf', 'run')

        $s = $items | Where-Object kind -eq 'Service'
        $s.spec.type | Should -Be 'NodePort'
        @($s.spec.ports).Count | Should -Be 1
        $s.spec.ports[0].nodePort | Should -Be $service.Spec.Ports[0].NodePort
        $s.spec.ports[0].nodePort | Should -Be 28888
        $s.spec.ports[0].port | Should -Be 80
        $s.spec.selector.'app.kubernetes.io/name' | Should -Be 'nginx-entry'
    }

    It 'grants the sidecar list and watch on Services and create on Events, and nothing else' {
        $r = Invoke-Kubectl $fake @('get', 'clusterrole,clusterrolebinding', 'nginx-entry-watch-services', '-o', 'json')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $items = ($r.Output | ConvertFrom-Json -Depth 64 -DateKind String).items
        $role = $items | Where-Object kind -eq 'ClusterRole'
        @($role.rules).Count | Should -Be 2
        @($role.rules[0].resources) | Should -Be @('services')
        @($role.rules[0].verbs) | Should -Be @('list', 'watch')
        @($role.rules[1].resources) | Should -Be @('events')
        @($role.rules[1].verbs) | Should -Be @('create')
        $role.rules | ForEach-Object { @($_.apiGroups) | Should -Be @('') }
        $binding = $items | Where-Object kind -eq 'ClusterRoleBinding'
        $binding.roleRef.name | Should -Be 'nginx-entry-watch-services'
        $binding.subjects[0].kind | Should -Be 'ServiceAccount'
        $binding.subjects[0].name | Should -Be 'nginx-entry'
        $binding.subjects[0].namespace | Should -Be 'nginx-entry'
    }

    It 'a second kubectl apply --server-side leaves every object unchanged' {
        $before = Get-LiveEntry $fake
        $r = Invoke-Kubectl $fake @('apply', '--server-side', '-f', $manifest)
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $after = Get-LiveEntry $fake
        foreach ($kind in $script:Kinds) {
            $after[$kind].metadata.resourceVersion | Should -Be $before[$kind].metadata.resourceVersion -Because $kind
        }
    }
}

Describe 'New-NginxKitManifest | Deploy-NginxKit' -Tag 'Kubernetes' {
    BeforeAll {
        $fake = Start-FakeKubeApi -ServiceNodePortRange $EntryNodePorts
        $first = $null
    }

    AfterAll {
        Stop-FakeKubeApi $fake
    }

    It 'creates all six objects, each Changed and Created, with server-side apply only' {
        Clear-FakeKubeRequest -Server $fake
        $results = @(New-NginxKitManifest | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop)
        $script:first = $results
        @($results.Kind) | Should -Be $script:Kinds
        foreach ($r in $results) {
            $r.Changed | Should -BeTrue -Because $r.Kind
            $r.Created | Should -BeTrue -Because $r.Kind
            $r.DryRun | Should -BeFalse
            $r.ResourceVersion | Should -Not -BeNullOrEmpty
        }
        ($results | Where-Object Kind -eq 'Deployment').Namespace | Should -Be 'nginx-entry'
        ($results | Where-Object Kind -eq 'ClusterRole').Namespace | Should -BeNullOrEmpty
        Assert-ApplyOnly (Get-ApiWrite $fake) -DryRun $false

        $live = Get-LiveEntry $fake
        foreach ($r in $results) { $live[$r.Kind].metadata.resourceVersion | Should -Be $r.ResourceVersion -Because $r.Kind }
        $live.Deployment.spec.template.spec.nodeSelector.role | Should -Be 'entry'
        $live.Service.spec.ports[0].nodePort | Should -Be 28888
        $live.Deployment.metadata.managedFields[0].manager | Should -Be 'nginxkit'
    }

    It 're-applying changes nothing: all Changed false, no new resourceVersion, never a create' {
        Clear-FakeKubeRequest -Server $fake
        $results = @(New-NginxKitManifest | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop)
        @($results.Kind) | Should -Be $script:Kinds
        for ($i = 0; $i -lt 6; $i++) {
            $results[$i].Changed | Should -BeFalse -Because $results[$i].Kind
            $results[$i].Created | Should -BeFalse -Because $results[$i].Kind
            $results[$i].Diff | Should -BeNullOrEmpty
            $results[$i].ResourceVersion | Should -Be $script:first[$i].ResourceVersion -Because $results[$i].Kind
        }
        $writes = Get-ApiWrite $fake
        Assert-ApplyOnly $writes -DryRun $false
        @(Get-FakeKubeRequest -Server $fake | Where-Object method -in 'POST', 'PUT', 'DELETE') | Should -BeNullOrEmpty
        $writes.status | Sort-Object -Unique | Should -Be 200
    }

    It '-Replicas 3 changes only the Deployment' {
        $before = Get-LiveEntry $fake
        $results = @(New-NginxKitManifest -Replicas 3 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop)
        @($results | Where-Object Changed).Kind | Should -Be @('Deployment')
        $after = Get-LiveEntry $fake
        $after.Deployment.spec.replicas | Should -Be 3
        foreach ($kind in $script:Kinds | Where-Object { $_ -ne 'Deployment' }) {
            $after[$kind].metadata.resourceVersion | Should -Be $before[$kind].metadata.resourceVersion -Because $kind
        }
        $after.Deployment.metadata.resourceVersion | Should -Not -Be $before.Deployment.metadata.resourceVersion
    }

    It '-WhatIf sends only dry runs, changes nothing, and shows a diff' {
        $before = Get-LiveEntry $fake
        Clear-FakeKubeRequest -Server $fake
        $results = @(New-NginxKitManifest -Replicas 4 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -WhatIf -ErrorAction Stop)
        @($results.Kind) | Should -Be $script:Kinds
        @($results.DryRun | Sort-Object -Unique) | Should -Be @($true)
        $deployment = $results | Where-Object Kind -eq 'Deployment'
        $deployment.Changed | Should -BeTrue
        $deployment.Created | Should -BeFalse
        $deployment.Diff | Should -Match '(?m)^-\s+"replicas": 3,'
        $deployment.Diff | Should -Match '(?m)^\+\s+"replicas": 4,'
        foreach ($r in $results | Where-Object Kind -ne 'Deployment') {
            $r.Changed | Should -BeFalse -Because $r.Kind
            $r.Diff | Should -BeNullOrEmpty
        }
        Assert-ApplyOnly (Get-ApiWrite $fake) -DryRun $true
        foreach ($w in Get-ApiWrite $fake) { $w.query | Should -Match '(^|&)dryRun=All(&|$)' }
        $after = Get-LiveEntry $fake
        $after.Deployment.spec.replicas | Should -Be 3
        foreach ($kind in $script:Kinds) {
            $after[$kind].metadata.resourceVersion | Should -Be $before[$kind].metadata.resourceVersion -Because $kind
        }
    }

    It 'on a cluster with the default node port range, refuses the Service alone until -NodePort is in it' {
        $standard = Start-FakeKubeApi
        try {
            $results = @(New-NginxKitManifest | Deploy-NginxKit -KubeConfig $standard.KubeConfig -ErrorVariable problems -ErrorAction SilentlyContinue)
            @($results.Kind) | Should -Be @('Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment')
            @($problems).Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'KubeApiError,*'
            $problems[0].ErrorDetails.Message | Should -Match '^Applying Service/nginx-entry/nginx-entry: the API answered 422: Service "nginx-entry" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 28888: provided port is not in the valid range\. The range of valid ports is 30000-32767'
            (Get-LiveEntry $standard).Service | Should -BeNullOrEmpty

            $results = @(New-NginxKitManifest -NodePort 30080 | Deploy-NginxKit -KubeConfig $standard.KubeConfig -ErrorAction Stop)
            ($results | Where-Object Kind -eq 'Service').Created | Should -BeTrue
            (Get-LiveEntry $standard).Service.spec.ports[0].nodePort | Should -Be 30080
        } finally {
            Stop-FakeKubeApi $standard
        }
    }

    It '-WhatIf on a first install previews every create, dry-runs what the server can, and creates nothing' {
        # A dry run creates no namespace, so what lives in the new one is shown as a create without a request.
        $empty = Start-FakeKubeApi -ServiceNodePortRange $EntryNodePorts
        try {
            $results = @(New-NginxKitManifest | Deploy-NginxKit -KubeConfig $empty.KubeConfig -WhatIf -ErrorVariable problems -ErrorAction SilentlyContinue)
            @($problems).Count | Should -Be 0
            @($results.Kind) | Should -Be @('Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Service')
            foreach ($r in $results) {
                $r.Changed | Should -BeTrue -Because $r.Kind
                $r.Created | Should -BeTrue -Because $r.Kind
                $r.DryRun | Should -BeTrue
                $r.Diff | Should -Match '^--- /dev/null'
            }
            ($results | Where-Object Kind -eq Deployment).Diff | Should -Match '"replicas": 2'
            $writes = Get-ApiWrite $empty
            $writes.Count | Should -Be 3 -Because 'only the cluster-scoped objects can be dry-run before their namespace exists'
            @($writes.dryRun | Sort-Object -Unique) | Should -Be @($true)
            (Get-LiveEntry $empty).Values | Where-Object { $_ } | Should -BeNullOrEmpty
        } finally {
            Stop-FakeKubeApi $empty
        }
    }

    It '-Wait returns once the Deployment has rolled out' {
        Set-DeploymentRolledOut $fake
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $output = @(New-NginxKitManifest -Replicas 3 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -Wait -TimeoutSec 5 -Verbose -ErrorAction Stop 4>&1)
        $clock.Stop()
        $results = @($output | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })
        $verbose = @($output | Where-Object { $_ -is [Management.Automation.VerboseRecord] })
        @($results.Kind) | Should -Be $script:Kinds
        @($results | Where-Object Changed) | Should -BeNullOrEmpty
        ($verbose.Message -join "`n") | Should -Match 'deployment "nginx-entry" successfully rolled out'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        # It asked the server: the Deployment was read after the apply.
        @(Get-FakeKubeRequest -Server $fake -Method GET -Path /apis/apps/v1/namespaces/nginx-entry/deployments/nginx-entry).Count | Should -BeGreaterThan 0
    }

    It '-Wait fails with RolloutTimeout when the Deployment never becomes ready' {
        # Five replicas: a new generation no controller observes, so the rollout never completes.
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $thrown = $null
        $results = @()
        try {
            New-NginxKitManifest -Replicas 5 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -Wait -TimeoutSec 2 -OutVariable +results -ErrorAction Stop | Out-Null
        } catch {
            $thrown = $_
        }
        $clock.Stop()
        $thrown | Should -Not -BeNullOrEmpty -Because 'the rollout never completes'
        $thrown.FullyQualifiedErrorId | Should -BeLike 'RolloutTimeout*'
        $thrown.Exception.Message | Should -Match 'nginx-entry/nginx-entry did not finish rolling out within 2 s'
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 2
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
        # The apply itself went through before the wait.
        @($results | Where-Object Changed).Kind | Should -Be @('Deployment')
        (Get-LiveEntry $fake).Deployment.spec.replicas | Should -Be 5
    }
}

Describe 'Deploy-NginxKit -Path with the YAML file' -Tag 'Kubernetes' {
    BeforeAll {
        $fake = Start-FakeKubeApi -ServiceNodePortRange $EntryNodePorts
        $manifest = Join-Path $fake.Directory 'entry.yaml'
        New-NginxKitManifest -AsYaml | Set-Content -LiteralPath $manifest -NoNewline
        $scaled = Join-Path $fake.Directory 'entry-3.yaml'
        New-NginxKitManifest -AsYaml -Replicas 3 | Set-Content -LiteralPath $scaled -NoNewline
        $first = $null
    }

    AfterAll {
        Stop-FakeKubeApi $fake
    }

    It 'creates all six objects with server-side apply only' {
        Clear-FakeKubeRequest -Server $fake
        $results = @(Deploy-NginxKit -Path $manifest -KubeConfig $fake.KubeConfig -ErrorAction Stop)
        $script:first = $results
        @($results.Kind) | Should -Be $script:Kinds
        foreach ($r in $results) {
            $r.Changed | Should -BeTrue -Because $r.Kind
            $r.Created | Should -BeTrue -Because $r.Kind
        }
        Assert-ApplyOnly (Get-ApiWrite $fake) -DryRun $false
        $live = Get-LiveEntry $fake
        $live.Deployment.spec.template.spec.nodeSelector.role | Should -Be 'entry'
        $live.Service.spec.ports[0].nodePort | Should -Be 28888
    }

    It 'is the same objects as the pipeline form: re-applying New-NginxKitManifest changes nothing' {
        $results = @(New-NginxKitManifest | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop)
        @($results.Kind) | Should -Be $script:Kinds
        @($results.Changed) | Should -Be (@($false) * $script:Kinds.Count)
    }

    It 're-applying the file (piped from Get-Item) changes nothing' {
        Clear-FakeKubeRequest -Server $fake
        $results = @(Get-Item -LiteralPath $manifest | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop)
        @($results.Kind) | Should -Be $script:Kinds
        for ($i = 0; $i -lt 6; $i++) {
            $results[$i].Changed | Should -BeFalse -Because $results[$i].Kind
            $results[$i].ResourceVersion | Should -Be $script:first[$i].ResourceVersion -Because $results[$i].Kind
        }
        Assert-ApplyOnly (Get-ApiWrite $fake) -DryRun $false
    }

    It '-WhatIf with the scaled file sends only dry runs and shows the replica diff' {
        Clear-FakeKubeRequest -Server $fake
        $results = @(Deploy-NginxKit -Path $scaled -KubeConfig $fake.KubeConfig -WhatIf -ErrorAction Stop)
        @($results | Where-Object Changed).Kind | Should -Be @('Deployment')
        ($results | Where-Object Kind -eq 'Deployment').Diff | Should -Match '(?m)^\+\s+"replicas": 3,'
        Assert-ApplyOnly (Get-ApiWrite $fake) -DryRun $true
        (Get-LiveEntry $fake).Deployment.spec.replicas | Should -Be 2
    }

    It 'the scaled file changes only the Deployment' {
        $results = @(Deploy-NginxKit -Path $scaled -KubeConfig $fake.KubeConfig -ErrorAction Stop)
        @($results | Where-Object Changed).Kind | Should -Be @('Deployment')
        (Get-LiveEntry $fake).Deployment.spec.replicas | Should -Be 3
    }

    It 'a file that is not a manifest is one error naming it, and nothing is applied' {
        $bad = Join-Path $fake.Directory 'bad.yaml'
        Set-Content -LiteralPath $bad -Value "apiVersion: v1`nkind: [unclosed`n"
        Clear-FakeKubeRequest -Server $fake
        $results = @(Deploy-NginxKit -Path $bad -KubeConfig $fake.KubeConfig -ErrorVariable problems -ErrorAction SilentlyContinue)
        $results | Should -BeNullOrEmpty
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ManifestParseError*'
        "$($problems[0])" | Should -Match ([regex]::Escape($bad))
        Get-ApiWrite $fake | Should -BeNullOrEmpty
    }
}
