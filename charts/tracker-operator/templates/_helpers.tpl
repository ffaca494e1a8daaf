{{/* Name of every object of the release. */}}
{{- define "tracker-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels: stable for the life of the release (Deployment selectors are immutable). The name
     label is what the ClickHouse and Keeper NetworkPolicies rendered by the operator admit. */}}
{{- define "tracker-operator.selectorLabels" -}}
app.kubernetes.io/name: tracker-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tracker-operator.labels" -}}
{{ include "tracker-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tracker
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* A Prometheus Operator object (PodMonitor, ServiceMonitor, PrometheusRule) is rendered only when its
     value is on; with the value on and the kind not served, the install fails with this message instead of
     with the apiserver's "no matches for kind". Silently leaving it out would look like a working install
     with no monitoring. `helm template` knows only the APIs it is told: --api-versions
     monitoring.coreos.com/v1/<Kind>. Arguments: (list "<Kind>" "<value path>" .Capabilities). */}}
{{- define "tracker-operator.requireMonitoringKind" -}}
{{- $kind := index . 0 -}}
{{- $value := index . 1 -}}
{{- $caps := index . 2 -}}
{{- if not ($caps.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" $kind)) -}}
{{- fail (printf "%s is true, but the cluster does not serve monitoring.coreos.com/v1 %s: install the Prometheus Operator's CRD %ss.monitoring.coreos.com first, or set %s=false (helm template: pass --api-versions monitoring.coreos.com/v1/%s)" $value $kind (lower $kind) $value $kind) -}}
{{- end -}}
{{- end -}}
