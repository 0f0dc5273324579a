<#
    The entry deployment against the fake kube-apiserver (tests/Fixtures/FakeKubeApi): what
    New-NginxKitManifest builds, applied by the REAL kubectl (server-side apply) and by
    Deploy-NginxKit (a server-side dry run of every object, then server-side apply, field manager
    "nginxkit"), from the pipeline and from a YAML file. Re-applying is a no-op the server can see
    (no new resourceVersion), a refused object applies nothing, -WhatIf only sends dry runs, and
    -Wait follows the rollout and its pods, stopping at the first hopeless one. Remove-NginxKit
    deletes what was applied.

    Environment: as TestHelpers.psm1 lists it, and
      NGINXKIT_REQUIRE_REAL    1 to fail instead of skipping when kubectl is not installed
#>

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $kubectl = Find-RealTool -Name kubectl
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-TestModule FakeKubeApi

    # The six objects, in the order Deploy-NginxKit applies them.
    $script:Kinds = @('Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Service')
    # A cluster whose --service-node-port-range holds 28888 as well, for the tests of -NodePort 28888.
    $script:WideNodePorts = '28000-32767'

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

    # Every write Deploy-NginxKit sends is a server-side apply (PATCH, apply content type, fieldManager
    # nginxkit, force). Applying sends each object's dry run before any object is applied, but for a
    # Namespace that must exist before what lives in it can be checked: -NewNamespace names it.
    function Assert-CheckedThenApplied([object[]] $Writes, [string] $NewNamespace) {
        Assert-ApplyWrites $Writes
        $dry = @($Writes | Where-Object dryRun)
        $real = @($Writes | Where-Object { -not $_.dryRun })
        $dry.Count | Should -Be 6 -Because 'every object is checked once'
        $real.Count | Should -Be 6 -Because 'every object is applied once'
        @($dry.path | Sort-Object -Unique).Count | Should -Be 6
        $lastDry = [array]::IndexOf($Writes, $dry[-1])
        $early = @($Writes | Select-Object -First $lastDry | Where-Object { -not $_.dryRun })
        if ($NewNamespace) {
            @($early.path) | Should -Be @("/api/v1/namespaces/$NewNamespace") -Because 'only the new Namespace is applied before the objects in it are checked'
        } else {
            $early | Should -BeNullOrEmpty -Because 'nothing is applied before every object is checked'
        }
    }

    function Assert-ApplyOnly([object[]] $Writes, [bool] $DryRun) {
        $Writes.Count | Should -Be 6
        Assert-ApplyWrites $Writes
        foreach ($w in $Writes) { $w.dryRun | Should -Be $DryRun -Because "$($w.method) $($w.path)?$($w.query)" }
    }

    function Assert-ApplyWrites([object[]] $Writes) {
        foreach ($w in $Writes) {
            $w.method | Should -Be 'PATCH' -Because "$($w.method) $($w.path)"
            $w.contentType | Should -BeLike 'application/apply-patch+yaml*'
            $w.fieldManager | Should -Be 'nginxkit'
            $w.query | Should -Match '(^|&)force=true(&|$)'
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
        $fake = Start-FakeKubeApi
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
        $image = "nginxkit:$((Get-Module NginxKit).Version)"
        @(@($pod.initContainers.image) + @($pod.containers.image)) | Should -Be @($image, $image, $image) -Because 'one image of this version runs every container'
        @(@($pod.initContainers.imagePullPolicy) + @($pod.containers.imagePullPolicy)) | Should -Be @('IfNotPresent', 'IfNotPresent', 'IfNotPresent')
        @($pod.initContainers[0].command) | Should -Be @($deployment.Spec.Template.Spec.InitContainers[0].Command)
        @($pod.initContainers[0].command) | Should -Be @('/usr/local/bin/nginxkit-sync')
        @($pod.initContainers[0].args) | Should -Be @('once', '--out-file', '/etc/nginx/conf.d/default.conf', '--listen', '8080')
        @($pod.containers.name) | Should -Be @('nginx', 'sync')
        @($pod.containers[1].args) | Should -Be @('watch', '--out-file', '/etc/nginx/conf.d/default.conf', '--listen', '8080', '--reload-pid-file', '/run/nginx/nginx.pid')
        @($pod.volumes.name) | Should -Be @($deployment.Spec.Template.Spec.Volumes.Name)
        $pod.automountServiceAccountToken | Should -BeFalse
        $pod.securityContext.runAsNonRoot | Should -BeTrue
        foreach ($c in @($pod.initContainers) + @($pod.containers)) {
            $c.securityContext.readOnlyRootFilesystem | Should -BeTrue -Because $c.name
            @($c.securityContext.capabilities.drop) | Should -Be @('ALL') -Because $c.name
        }

        $s = $items | Where-Object kind -eq 'Service'
        $s.spec.type | Should -Be 'NodePort'
        @($s.spec.ports).Count | Should -Be 1
        $s.spec.ports[0].nodePort | Should -Be $service.Spec.Ports[0].NodePort
        $s.spec.ports[0].nodePort | Should -Be 30080 -Because 'the default lies in the default node port range, 30000-32767'
        $s.spec.ports[0].targetPort | Should -Be 'http'
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
        $fake = Start-FakeKubeApi
        $first = $null
    }

    AfterAll {
        Stop-FakeKubeApi $fake
    }

    It 'creates all six objects, each Changed and Created, checking each with a dry run first (the new Namespace made first to check what lives in it)' {
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
        Assert-CheckedThenApplied (Get-ApiWrite $fake) -NewNamespace 'nginx-entry'

        $live = Get-LiveEntry $fake
        foreach ($r in $results) { $live[$r.Kind].metadata.resourceVersion | Should -Be $r.ResourceVersion -Because $r.Kind }
        $live.Deployment.spec.template.spec.nodeSelector.role | Should -Be 'entry'
        $live.Service.spec.ports[0].nodePort | Should -Be 30080
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
        Assert-CheckedThenApplied $writes
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

    It 'a node port outside the cluster''s range applies nothing on a first install: NodePortRefused names the range and -NodePort' {
        $standard = Start-FakeKubeApi
        try {
            $results = @(New-NginxKitManifest -NodePort 28888 | Deploy-NginxKit -KubeConfig $standard.KubeConfig -ErrorVariable problems -ErrorAction SilentlyContinue)
            $results | Should -BeNullOrEmpty
            @($problems).Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'NodePortRefused,*'
            $problems[0].TargetObject | Should -Be 'Service/nginx-entry/nginx-entry'
            $problems[0].ErrorDetails.Message | Should -Be 'The cluster refuses Service/nginx-entry/nginx-entry: NodePort 28888 is outside its node port range, 30000-32767. Nothing was applied.'
            "$($problems[0].ErrorDetails.RecommendedAction)" | Should -Match '-NodePort'
            "$($problems[0].ErrorDetails.RecommendedAction)" | Should -Match '30000-32767'
            # The Namespace was made only to check what lives in it, and is gone again; nothing else was stored.
            (Get-LiveEntry $standard).Values | Where-Object { $_ } | Should -BeNullOrEmpty
            $real = @(Get-ApiWrite $standard | Where-Object { -not $_.dryRun })
            @($real | ForEach-Object { "$($_.method) $($_.path)" }) | Should -Be @('PATCH /api/v1/namespaces/nginx-entry', 'DELETE /api/v1/namespaces/nginx-entry')

            $results = @(New-NginxKitManifest -NodePort 30090 | Deploy-NginxKit -KubeConfig $standard.KubeConfig -ErrorAction Stop)
            ($results | Where-Object Kind -eq 'Service').Created | Should -BeTrue
            (Get-LiveEntry $standard).Service.spec.ports[0].nodePort | Should -Be 30090
        } finally {
            Stop-FakeKubeApi $standard
        }
    }

    It 'a refused Service on an installed entry changes nothing else: the Deployment keeps its replicas' {
        $before = Get-LiveEntry $fake
        Clear-FakeKubeRequest -Server $fake
        $results = @(New-NginxKitManifest -Replicas 5 -NodePort 28888 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorVariable problems -ErrorAction SilentlyContinue)
        $results | Should -BeNullOrEmpty
        @($problems.FullyQualifiedErrorId) | Should -BeLike 'NodePortRefused,*'
        @(Get-ApiWrite $fake | Where-Object { -not $_.dryRun }) | Should -BeNullOrEmpty -Because 'only dry runs were sent'
        $after = Get-LiveEntry $fake
        foreach ($kind in $script:Kinds) {
            $after[$kind].metadata.resourceVersion | Should -Be $before[$kind].metadata.resourceVersion -Because $kind
        }
    }

    It 'any other refusal stops the deploy the same way, with the API''s own message (KubeApiError)' {
        Add-FakeKubeFault -Server $fake -Method PATCH -Path '/apis/apps/v1/namespaces/nginx-entry/deployments/nginx-entry' -Code 422 -DryRunOnly `
            -Reason Invalid -Message 'Deployment.apps "nginx-entry" is invalid: spec.template.spec.containers[0].image: Required value'
        try {
            $before = Get-LiveEntry $fake
            Clear-FakeKubeRequest -Server $fake
            $results = @(New-NginxKitManifest -Replicas 6 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorVariable problems -ErrorAction SilentlyContinue)
            $results | Should -BeNullOrEmpty
            @($problems).Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'KubeApiError,*'
            $problems[0].ErrorDetails.Message | Should -Match 'Applying Deployment/nginx-entry/nginx-entry: the API answered 422: .*Required value'
            @(Get-ApiWrite $fake | Where-Object { -not $_.dryRun }) | Should -BeNullOrEmpty
            (Get-LiveEntry $fake).Deployment.metadata.resourceVersion | Should -Be $before.Deployment.metadata.resourceVersion
        } finally {
            Clear-FakeKubeFault -Server $fake
        }
    }

    It 'a <Code> on the dry run of the Service is <ErrorId>, and nothing is applied' -ForEach @(
        @{ Code = 409; ErrorId = 'KubeConflict'; Words = 'conflict' }
        @{ Code = 404; ErrorId = 'ManifestTargetNotFound'; Words = 'was not found' }
    ) {
        Add-FakeKubeFault -Server $fake -Method PATCH -Path '/api/v1/namespaces/nginx-entry/services/nginx-entry' -Code $Code -DryRunOnly
        try {
            $before = Get-LiveEntry $fake
            Clear-FakeKubeRequest -Server $fake
            $results = @(New-NginxKitManifest -Replicas 7 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorVariable problems -ErrorAction SilentlyContinue)
            $results | Should -BeNullOrEmpty
            @($problems).Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $problems[0].TargetObject | Should -Be 'Service/nginx-entry/nginx-entry'
            $problems[0].ErrorDetails.Message | Should -Match "Applying Service/nginx-entry/nginx-entry.*$Words"
            @(Get-ApiWrite $fake | Where-Object { -not $_.dryRun }) | Should -BeNullOrEmpty
            (Get-LiveEntry $fake).Deployment.metadata.resourceVersion | Should -Be $before.Deployment.metadata.resourceVersion
        } finally {
            Clear-FakeKubeFault -Server $fake
        }
    }

    It '-NodePort 28888 works where the API server''s range includes it' {
        $wide = Start-FakeKubeApi -ServiceNodePortRange $WideNodePorts
        try {
            $results = @(New-NginxKitManifest -NodePort 28888 | Deploy-NginxKit -KubeConfig $wide.KubeConfig -ErrorAction Stop)
            @($results.Kind) | Should -Be $script:Kinds
            (Get-LiveEntry $wide).Service.spec.ports[0].nodePort | Should -Be 28888
        } finally {
            Stop-FakeKubeApi $wide
        }
    }

    It '-WhatIf on a first install previews every create, dry-runs what the server can, and creates nothing' {
        # A dry run creates no namespace, so what lives in the new one is shown as a create without a request.
        $empty = Start-FakeKubeApi
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
        $output = @(New-NginxKitManifest -Replicas 3 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -Wait -TimeoutSec 30 -Verbose -ErrorAction Stop 4>&1)
        $results = @($output | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })
        $verbose = @($output | Where-Object { $_ -is [Management.Automation.VerboseRecord] })
        @($results.Kind) | Should -Be $script:Kinds
        @($results | Where-Object Changed) | Should -BeNullOrEmpty
        ($verbose.Message -join "`n") | Should -Match 'deployment "nginx-entry" successfully rolled out: 3/3 ready'
        # It asked the server: the Deployment was read after the apply.
        @(Get-FakeKubeRequest -Server $fake -Method GET -Path /apis/apps/v1/namespaces/nginx-entry/deployments/nginx-entry).Count | Should -BeGreaterThan 0
    }

    It '-Wait fails with RolloutTimeout when the Deployment never becomes ready' {
        # Five replicas: a new generation no controller observes, so the rollout never completes.
        $thrown = $null
        $results = @()
        try {
            New-NginxKitManifest -Replicas 5 | Deploy-NginxKit -KubeConfig $fake.KubeConfig -Wait -TimeoutSec 2 -OutVariable +results -ErrorAction Stop | Out-Null
        } catch {
            $thrown = $_
        }
        $thrown | Should -Not -BeNullOrEmpty -Because 'the rollout never completes'
        $thrown.FullyQualifiedErrorId | Should -BeLike 'RolloutTimeout*'
        $thrown.Exception.Message | Should -Match 'nginx-entry/nginx-entry did not finish rolling out within 2 s: 3/5 ready'
        # It read the pods while it waited: none was hopeless, so only the clock ended the wait.
        @(Get-FakeKubeRequest -Server $fake -Method GET -Path /api/v1/namespaces/nginx-entry/pods).Count | Should -BeGreaterThan 0
        # The apply itself went through before the wait.
        @($results | Where-Object Changed).Kind | Should -Be @('Deployment')
        (Get-LiveEntry $fake).Deployment.spec.replicas | Should -Be 5
    }
}

Describe 'Deploy-NginxKit -Wait reads the pods and stops at the first one that cannot start' -Tag 'Kubernetes' {
    BeforeAll {
        $fake = Start-FakeKubeApi
        $null = New-NginxKitManifest | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop
        $image = "nginxkit:$((Get-Module NginxKit).Version)"
        $labels = @{ 'app.kubernetes.io/name' = 'nginx-entry'; 'app.kubernetes.io/managed-by' = 'nginxkit' }

        # A pod of the entry as the kubelet reports it: the manifest's containers, with the given states.
        function New-EntryPod([string] $Name, [object[]] $InitStatuses = @(), [object[]] $Statuses = @(), [object[]] $Conditions = @()) {
            $spec = (New-NginxKitManifest | Where-Object Kind -eq Deployment).Spec.Template.Spec
            [ordered]@{
                apiVersion = 'v1'; kind = 'Pod'
                metadata   = @{ name = $Name; namespace = 'nginx-entry'; labels = $labels }
                spec       = @{
                    initContainers = @($spec.InitContainers | ForEach-Object { @{ name = $_.Name; image = $_.Image; imagePullPolicy = $_.ImagePullPolicy } })
                    containers     = @($spec.Containers | ForEach-Object { @{ name = $_.Name; image = $_.Image; imagePullPolicy = $_.ImagePullPolicy } })
                }
                status     = @{ phase = 'Pending'; conditions = $Conditions; initContainerStatuses = $InitStatuses; containerStatuses = $Statuses }
            }
        }
        function Waiting([string] $Container, [string] $Reason, [string] $Message, [int] $Restarts = 0) {
            @{ name = $Container; image = $image; ready = $false; restartCount = $Restarts; state = @{ waiting = @{ reason = $Reason; message = $Message } } }
        }
        function Invoke-Wait {
            $thrown = $null
            try { New-NginxKitManifest | Deploy-NginxKit -KubeConfig $fake.KubeConfig -Wait -TimeoutSec 120 -ErrorAction Stop | Out-Null } catch { $thrown = $_ }
            $thrown
        }
        function Clear-Pods {
            $null = Invoke-Kubectl $fake @('delete', 'pods', '--all', '-n', 'nginx-entry')
            $null = Invoke-Kubectl $fake @('delete', 'events', '--all', '-n', 'nginx-entry')
        }
    }

    AfterAll {
        Stop-FakeKubeApi $fake
    }

    BeforeEach { Clear-Pods }

    It 'an image that cannot be pulled: ImagePullFailed with the image, its pull policy and the last event, long before -TimeoutSec' {
        $null = Add-FakeKubeObject -Server $fake -Object @(
            New-EntryPod -Name 'nginx-entry-a' -InitStatuses @(Waiting 'render' 'ErrImagePull' "pull access denied for nginxkit, repository does not exist")
            @{ apiVersion = 'v1'; kind = 'Event'; metadata = @{ name = 'nginx-entry-a.1'; namespace = 'nginx-entry' }; type = 'Warning'; reason = 'Failed'
                message = "Failed to pull image `"$image`": pull access denied"; involvedObject = @{ kind = 'Pod'; name = 'nginx-entry-a'; namespace = 'nginx-entry' } }
        )
        $thrown = Invoke-Wait
        $thrown.FullyQualifiedErrorId | Should -BeLike 'ImagePullFailed,*'
        $thrown.Exception.Message | Should -Match ([regex]::Escape("Pod nginx-entry/nginx-entry-a cannot start: init container 'render' cannot pull image '$image' with pull policy IfNotPresent (ErrImagePull: pull access denied for nginxkit"))
        $thrown.Exception.Message | Should -Match 'Last event: Failed: Failed to pull image'
        "$($thrown.ErrorDetails.RecommendedAction)" | Should -Match '-Image'
        $thrown.TargetObject | Should -Be 'nginx-entry/nginx-entry-a'
    }

    It 'a container in CrashLoopBackOff: ContainerCrashLooping with the last lines of the crashed instance''s log' {
        $null = Add-FakeKubeObject -Server $fake -Object (New-EntryPod -Name 'nginx-entry-b' -InitStatuses @(Waiting 'render' 'CrashLoopBackOff' 'back-off 40s restarting failed container' 3))
        $log = (1..30 | ForEach-Object { "line $_" }) -join "`n"
        Set-FakeKubePodLog -Server $fake -Namespace nginx-entry -Pod nginx-entry-b -Container render -Previous -Text "$log`n{""Level"":""error"",""ErrorId"":""KubeForbidden""}`n"
        $thrown = Invoke-Wait
        $thrown.FullyQualifiedErrorId | Should -BeLike 'ContainerCrashLooping,*'
        $thrown.Exception.Message | Should -Match "init container 'render' keeps exiting \(CrashLoopBackOff, 3 restarts\)"
        $thrown.Exception.Message | Should -Match '(?m)^\{"Level":"error","ErrorId":"KubeForbidden"\}$'
        $thrown.Exception.Message | Should -Match '(?m)^line 30$'
        $thrown.Exception.Message | Should -Not -Match '(?m)^line 11$' -Because 'only the last 20 lines are shown'
    }

    It 'no node carries the role label: NoEntryNode, pointing to Set-EntryNodeLabel' {
        $null = Add-FakeKubeObject -Server $fake -Object (New-EntryPod -Name 'nginx-entry-c' -Conditions @(
                @{ type = 'PodScheduled'; status = 'False'; reason = 'Unschedulable'; message = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling." }))
        $thrown = Invoke-Wait
        $thrown.FullyQualifiedErrorId | Should -BeLike 'NoEntryNode,*'
        $thrown.Exception.Message | Should -Match 'runs only on nodes labelled role=entry'
        "$($thrown.ErrorDetails.RecommendedAction)" | Should -Match 'Set-EntryNodeLabel'
    }

    It 'a container that cannot be created: ContainerNotStarted with the kubelet''s reason' {
        $null = Add-FakeKubeObject -Server $fake -Object (New-EntryPod -Name 'nginx-entry-d' -Statuses @(
                Waiting 'nginx' 'CreateContainerConfigError' 'configmap "kube-root-ca.crt" not found'))
        $thrown = Invoke-Wait
        $thrown.FullyQualifiedErrorId | Should -BeLike 'ContainerNotStarted,*'
        $thrown.Exception.Message | Should -Match "container 'nginx' cannot be created \(CreateContainerConfigError: configmap"
    }

    It 'shows ready replicas against the desired number while it waits' {
        $path = '/apis/apps/v1/namespaces/nginx-entry/deployments/nginx-entry'
        $d = (Invoke-Api -Server $fake -Path $path).Body
        $status = @{ status = @{ observedGeneration = [int]$d.metadata.generation; replicas = 2; updatedReplicas = 2; readyReplicas = 1; availableReplicas = 1 } }
        $null = Invoke-Api -Server $fake -Method PATCH -Path "$path/status" -Body $status -ContentType 'application/merge-patch+json'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module, $KubeConfig)
                    Import-Module $Module
                    New-NginxKitManifest | Deploy-NginxKit -KubeConfig $KubeConfig -Wait -TimeoutSec 2
                }).AddArgument((Get-NginxKitModulePath)).AddArgument($fake.KubeConfig)
            $null = $ps.Invoke()
            @($ps.Streams.Error.FullyQualifiedErrorId) | Should -BeLike 'RolloutTimeout,*'
            $progress = @($ps.Streams.Progress | Where-Object { $_.RecordType -ne 'Completed' })
            $progress.Count | Should -BeGreaterThan 0
            $progress[0].Activity | Should -Be 'Rolling out nginx-entry/nginx-entry'
            $progress[0].StatusDescription | Should -Match '^1/2 ready'
            $progress[0].PercentComplete | Should -Be 50
        } finally {
            $ps.Dispose()
        }
    }
}

Describe 'Remove-NginxKit' -Tag 'Kubernetes' {
    BeforeAll {
        $fake = Start-FakeKubeApi
        $reverse = @('Service', 'Deployment', 'ClusterRoleBinding', 'ClusterRole', 'ServiceAccount', 'Namespace')
    }

    AfterAll {
        Stop-FakeKubeApi $fake
    }

    It '-WhatIf dry-runs each deletion and removes nothing' {
        $null = New-NginxKitManifest | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop
        Clear-FakeKubeRequest -Server $fake
        $results = @(Remove-NginxKit -KubeConfig $fake.KubeConfig -WhatIf -ErrorAction Stop)
        @($results.Kind) | Should -Be $reverse
        @($results.Removed | Sort-Object -Unique) | Should -Be @($true)
        @($results.DryRun | Sort-Object -Unique) | Should -Be @($true)
        $deletes = @(Get-FakeKubeRequest -Server $fake -Method DELETE)
        $deletes.Count | Should -Be 6
        @($deletes.dryRun | Sort-Object -Unique) | Should -Be @($true)
        (Get-LiveEntry $fake).Values | Where-Object { -not $_ } | Should -BeNullOrEmpty -Because 'every object is still there'
    }

    It 'deletes the six objects, cluster-scoped RBAC included, in the reverse of the apply order' {
        $results = @(Remove-NginxKit -KubeConfig $fake.KubeConfig -Confirm:$false -ErrorAction Stop)
        @($results.Kind) | Should -Be $reverse
        @($results.Name) | Should -Be @('nginx-entry', 'nginx-entry', 'nginx-entry-watch-services', 'nginx-entry-watch-services', 'nginx-entry', 'nginx-entry')
        foreach ($r in $results) {
            $r.Removed | Should -BeTrue -Because $r.Kind
            $r.Found | Should -BeTrue
            $r.DryRun | Should -BeFalse
        }
        (Get-LiveEntry $fake).Values | Where-Object { $_ } | Should -BeNullOrEmpty
        @(Get-FakeKubeRequest -Server $fake -Method DELETE | Where-Object { -not $_.dryRun }).Count | Should -Be 6
    }

    It 'a second run finds nothing and says so, without an error' {
        $results = @(Remove-NginxKit -KubeConfig $fake.KubeConfig -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue)
        @($problems).Count | Should -Be 0
        @($results.Kind) | Should -Be $reverse
        @($results.Found | Sort-Object -Unique) | Should -Be @($false)
        @($results.Removed | Sort-Object -Unique) | Should -Be @($false)
    }

    It 'leaves an object of the same name that NginxKit did not make, with ObjectNotManaged, and removes the rest' {
        $null = New-NginxKitManifest | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop
        $r = Invoke-Kubectl $fake @('label', 'service', 'nginx-entry', '-n', 'nginx-entry', 'app.kubernetes.io/managed-by-')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $results = @(Remove-NginxKit -KubeConfig $fake.KubeConfig -KeepNamespace -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue)
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ObjectNotManaged,*'
        $problems[0].TargetObject | Should -Be 'Service/nginx-entry/nginx-entry'
        @($results.Kind) | Should -Be @('Deployment', 'ClusterRoleBinding', 'ClusterRole', 'ServiceAccount')
        $live = Get-LiveEntry $fake
        $live.Service | Should -Not -BeNullOrEmpty
        $live.Namespace | Should -Not -BeNullOrEmpty -Because '-KeepNamespace'
        $live.Deployment | Should -BeNullOrEmpty
        $live.ClusterRole | Should -BeNullOrEmpty
    }

    It 'never deletes a namespace every cluster has, and takes the manifest''s objects from the pipeline' {
        $null = New-NginxKitManifest -Namespace default -Name edge | Deploy-NginxKit -KubeConfig $fake.KubeConfig -ErrorAction Stop
        $results = @(New-NginxKitManifest -Namespace default -Name edge | Remove-NginxKit -KubeConfig $fake.KubeConfig -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue)
        @($problems.FullyQualifiedErrorId) | Should -BeLike 'ObjectNotManaged,*'
        $problems[0].TargetObject | Should -Be 'Namespace/default'
        @($results.Kind) | Should -Be @('Service', 'Deployment', 'ClusterRoleBinding', 'ClusterRole', 'ServiceAccount')
        (Invoke-Api -Server $fake -Path '/api/v1/namespaces/default').Code | Should -Be 200
        (Invoke-Api -Server $fake -Path '/apis/rbac.authorization.k8s.io/v1/clusterroles/edge-watch-services').Code | Should -Be 404
    }
}

Describe 'Deploy-NginxKit -Path with the YAML file' -Tag 'Kubernetes' {
    BeforeAll {
        $fake = Start-FakeKubeApi
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
        Assert-CheckedThenApplied (Get-ApiWrite $fake) -NewNamespace 'nginx-entry'
        $live = Get-LiveEntry $fake
        $live.Deployment.spec.template.spec.nodeSelector.role | Should -Be 'entry'
        $live.Service.spec.ports[0].nodePort | Should -Be 30080
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
        Assert-CheckedThenApplied (Get-ApiWrite $fake)
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

    It 'an object of a kind Deploy-NginxKit does not apply is UnsupportedKind, and nothing is applied' {
        $mixed = Join-Path $fake.Directory 'mixed.yaml'
        Set-Content -LiteralPath $mixed -Value ((Get-Content -LiteralPath $scaled -Raw) + "`n---`napiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: extra`n  namespace: nginx-entry`ndata:`n  a: b`n")
        Clear-FakeKubeRequest -Server $fake
        $results = @(Deploy-NginxKit -Path $mixed -KubeConfig $fake.KubeConfig -ErrorVariable problems -ErrorAction SilentlyContinue)
        $results | Should -BeNullOrEmpty
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedKind,*'
        "$($problems[0])" | Should -Match 'ConfigMap'
        Get-ApiWrite $fake | Should -BeNullOrEmpty
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
