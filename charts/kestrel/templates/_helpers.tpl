{{/* The release's full name, used for every object the chart creates. */}}
{{- define "kestrel.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kestrel.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kestrel.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kestrel.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kestrel.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* What the controller does in a namespace it watches: the one list of rules for both scopes. */}}
{{- define "kestrel.workloadRules" -}}
- apiGroups: ["kestrel.dev"]
  resources: ["rollouts", "analysisruns", "analysistemplates", "rolloutgroups"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["kestrel.dev"]
  resources: ["rollouts", "rollouts/status", "analysisruns", "analysisruns/status", "rolloutgroups/status"]
  verbs: ["update", "patch"]
- apiGroups: ["kestrel.dev"]
  resources: ["analysisruns"]
  verbs: ["create", "delete"]
- apiGroups: ["apps"]
  resources: ["replicasets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# spec.workloadRef: the pod template is read from a Deployment; an undo writes it back, scaleDown scales it.
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "patch", "update"]
# trafficRouting: the HTTPRoutes a Rollout names are read each pass and their weights patched.
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes"]
  verbs: ["get", "list", "watch", "patch"]
# Pods are listed while a spec.restartAt is pending (deleted to restart them), patched in place
# when ephemeral metadata (canaryMetadata, stableMetadata) changes, and read for an ended
# analysis Job's exit code.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "delete", "patch"]
# Job metrics: one Job per measurement, deleted when its run ends first.
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
# Config snapshots (spec.configSnapshots): read the referenced ConfigMaps and Secrets, create the
# immutable copies and add owners to them (patch); the garbage collector deletes them with their
# ReplicaSets, so no delete. Secrets are listed and watched only in watched namespaces: with the
# cluster scope the controller reads each referenced Secret by name (get) and never lists them.
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: {{ if eq .Values.watch.scope "cluster" }}["create", "patch"]{{ else }}["list", "watch", "create", "patch"]{{ end }}
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}

{{/*
The Lease leader election uses: each --instance-id elects apart (the controller's own default).
*/}}
{{- define "kestrel.leaseName" -}}
{{- if .Values.leaderElection.leaseName -}}
{{- .Values.leaderElection.leaseName -}}
{{- else if .Values.instanceId -}}
{{- printf "kestrel-controller-%s" .Values.instanceId -}}
{{- else -}}
kestrel-controller
{{- end -}}
{{- end -}}

{{/*
Kestrel needs Kubernetes 1.30 or newer (its CRDs' CEL validation rules). Chart.yaml's kubeVersion
would also be checked by a client-only `helm template`, against Helm's built-in default version
rather than any cluster's, which fails GitOps rendering for no reason; so the check is made here,
and only when Helm talks to a cluster (install, upgrade, template --validate): lookup answers
nothing when rendering offline.
*/}}
{{- define "kestrel.checkKubeVersion" -}}
{{- if and (lookup "v1" "Namespace" "" "kube-system") (semverCompare "<1.30.0-0" .Capabilities.KubeVersion.Version) -}}
{{- fail (printf "Kestrel needs Kubernetes 1.30 or newer (its CRDs use CEL validation rules); this cluster runs %s" .Capabilities.KubeVersion.Version) -}}
{{- end -}}
{{- end -}}
