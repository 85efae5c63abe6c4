{{/*
The release's base name: the release name when it already says meshtrace, else
<release>-meshtrace, cut to the 63 characters of a DNS label.
*/}}
{{- define "meshtrace.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
meshtrace's listeners with its default ports (ListenerConfig and XdsConfig in mesh-collector:
HelmChartTest compares them). Each: the container port's name, which is also the prefix of the
listener's own settings (--<name>-tls-cert), its transport, how Istio should read it (http,
grpc, udp), and the word after the protocol in its Service port's name.
*/}}
{{- define "meshtrace.listeners" -}}
zipkin: {port: 9411, kind: http, service: zipkin}
otlp-grpc: {port: 4317, kind: grpc, service: otlp}
otlp-http: {port: 4318, kind: http, service: otlp}
jaeger-compact: {port: 6831, kind: udp, service: jaeger-compact}
jaeger-binary: {port: 6832, kind: udp, service: jaeger-binary}
jaeger-http: {port: 14268, kind: http, service: jaeger-collector}
query: {port: 16686, kind: http, service: query}
sampling-http: {port: 5778, kind: http, service: sampling}
sampling-grpc: {port: 14250, kind: grpc, service: sampling}
xds: {port: 18000, kind: grpc, service: xds}
admin: {port: 14269, kind: http, service: admin}
{{- end -}}

{{/* Whether the release serves the edge gateway's routes (and so runs xDS). */}}
{{- define "meshtrace.gatewayRoutes" -}}
{{- if or .Values.gatewayRoutes.routes .Values.gatewayRoutes.existingConfigMap }}true{{ end -}}
{{- end -}}

{{/*
The parts of this release, each with its command and the listeners that command runs (Mode in
mesh-collector): {name: {command, values, listeners}}. xDS only with gateway routes.
*/}}
{{- define "meshtrace.components" -}}
{{- $xds := include "meshtrace.gatewayRoutes" . -}}
{{- if eq .Values.mode "all-in-one" }}
all-in-one:
  command: all-in-one
  values: allInOne
  listeners: [zipkin, otlp-grpc, otlp-http, jaeger-compact, jaeger-binary, jaeger-http, query, sampling-http, sampling-grpc{{ if $xds }}, xds{{ end }}, admin]
{{- else }}
collector:
  command: collector
  values: collector
  listeners: [zipkin, otlp-grpc, otlp-http, jaeger-compact, jaeger-binary, jaeger-http, sampling-grpc, admin]
{{- if .Values.kafka.enabled }}
ingester:
  command: ingester
  values: ingester
  listeners: [admin]
{{- end }}
query:
  command: query
  values: query
  listeners: [query, zipkin, admin]
control-plane:
  command: control-plane
  values: controlPlane
  listeners: [sampling-http, sampling-grpc{{ if $xds }}, xds{{ end }}, admin]
{{- end }}
{{- end -}}

{{/* The name of a part's workload and Service: the base name, and the part in split mode. */}}
{{- define "meshtrace.componentName" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- if eq $component "all-in-one" -}}
{{- include "meshtrace.fullname" $root -}}
{{- else -}}
{{- printf "%s-%s" (include "meshtrace.fullname" $root | trunc 48 | trimSuffix "-") $component -}}
{{- end -}}
{{- end -}}

{{- define "meshtrace.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: meshtrace
{{- end -}}

{{/* What a part's Service and workload select: its pods only. */}}
{{- define "meshtrace.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Whether a listener (by port name) serves TLS. */}}
{{- define "meshtrace.tlsOn" -}}
{{- $root := index . 0 -}}
{{- $listener := index . 1 -}}
{{- $kind := get (get (include "meshtrace.listeners" $root | fromYaml) $listener) "kind" -}}
{{- if and $root.Values.tls.enabled (ne $kind "udp") (not (has $listener $root.Values.tls.plainListeners)) }}true{{ end -}}
{{- end -}}

{{/*
A listener's Service port name and appProtocol prefix, as Istio's protocol selection reads
them: http or grpc when plain; https or tls when on TLS (the client speaks TLS itself and the
sending sidecar passes it through by SNI); udp.
*/}}
{{- define "meshtrace.appProtocol" -}}
{{- $root := index . 0 -}}
{{- $listener := index . 1 -}}
{{- $kind := get (get (include "meshtrace.listeners" $root | fromYaml) $listener) "kind" -}}
{{- $tls := include "meshtrace.tlsOn" . -}}
{{- if eq $kind "udp" -}}udp
{{- else if eq $kind "http" -}}{{ if $tls }}https{{ else }}http{{ end }}
{{- else -}}{{ if $tls }}tls{{ else }}grpc{{ end }}
{{- end -}}
{{- end -}}

{{- define "meshtrace.servicePortName" -}}
{{- $root := index . 0 -}}
{{- $listener := index . 1 -}}
{{- printf "%s-%s" (include "meshtrace.appProtocol" .) (get (get (include "meshtrace.listeners" $root | fromYaml) $listener) "service") -}}
{{- end -}}

{{/* Whether the monitoring.coreos.com/v1 CRDs (Prometheus Operator) are there. */}}
{{- define "meshtrace.hasMonitoringCrds" -}}
{{- if or (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1") (has "monitoring.coreos.com/v1" .Values.apiVersions) }}true{{ end -}}
{{- end -}}

{{/* Where the pods find what the chart mounts. */}}
{{- define "meshtrace.configDir" -}}/etc/meshtrace{{- end -}}
{{- define "meshtrace.tlsDir" -}}/var/run/meshtrace/tls{{- end -}}
{{- define "meshtrace.authDir" -}}/var/run/meshtrace/auth{{- end -}}
{{- define "meshtrace.gatewayDir" -}}/etc/meshtrace-gateway{{- end -}}
{{- define "meshtrace.dataDir" -}}/var/lib/meshtrace/data{{- end -}}

{{/* Whether meshtrace runs on an external PostgreSQL. */}}
{{- define "meshtrace.externalPostgres" -}}
{{- if .Values.postgresql.external.secretName }}true{{ end -}}
{{- end -}}

{{/*
Checks of values the schema cannot express, each failing the render with what to change.
*/}}
{{- define "meshtrace.validate" -}}
{{- $external := include "meshtrace.externalPostgres" . -}}
{{- if and (eq .Values.mode "split") (not $external) -}}
{{- fail "mode split needs an external PostgreSQL: set postgresql.external.secretName (and urlKey, or url and passwordKey)" -}}
{{- end -}}
{{- if $external -}}
{{- if and (not .Values.postgresql.external.urlKey) (not .Values.postgresql.external.url) -}}
{{- fail "postgresql.external needs urlKey (the Secret's key holding the whole URL) or url (the URL without its password, with passwordKey)" -}}
{{- end -}}
{{- if and .Values.postgresql.external.url (not (regexMatch "^postgres(ql)?://[^:@/]+@[^@]+$" .Values.postgresql.external.url)) -}}
{{- fail (printf "postgresql.external.url %q: give postgresql://USER@HOST:PORT/DB, without a password (it comes from the Secret's passwordKey)" .Values.postgresql.external.url) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.kafka.enabled (ne .Values.mode "split") -}}
{{- fail "kafka.enabled needs mode split (collectors into Kafka, ingesters into PostgreSQL)" -}}
{{- end -}}
{{- if and .Values.kafka.enabled (not .Values.kafka.brokers) -}}
{{- fail "kafka.enabled needs kafka.brokers (host:port,...)" -}}
{{- end -}}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) -}}
{{- fail "tls.enabled needs tls.secretName (a Secret with tls.crt and tls.key, as cert-manager writes it)" -}}
{{- end -}}
{{- $listeners := include "meshtrace.listeners" . | fromYaml -}}
{{- range .Values.tls.plainListeners -}}
{{- if not (hasKey $listeners .) -}}
{{- fail (printf "tls.plainListeners: %q is not a listener (%s)" . (keys $listeners | sortAlpha | join ", ")) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.gatewayRoutes.routes .Values.gatewayRoutes.existingConfigMap -}}
{{- fail "give gatewayRoutes.routes or gatewayRoutes.existingConfigMap, not both" -}}
{{- end -}}
{{- if and .Values.slo.prometheusRule (not .Values.slo.objectives) -}}
{{- fail "slo.prometheusRule is rendered from objectives: set slo.objectives to the same objectives" -}}
{{- end -}}
{{- range $key, $value := .Values.config -}}
{{- if or (hasSuffix "-port" $key) (hasSuffix "tls-cert" $key) (hasSuffix "tls-key" $key) (hasSuffix "tls-client-ca" $key) (has $key (list "config" "ports-file" "data-dir" "pg-url" "span-sink" "kafka-brokers" "sampling-strategies" "slo" "gateway-routes" "auth-file")) -}}
{{- fail (printf "config.%s is set by the chart (ports: meshtrace's defaults; TLS: tls.*; storage: postgresql.*; Kafka: kafka.*; sampling.strategies, slo.objectives, gatewayRoutes, auth.existingSecret)" $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The --config file: the settings the chart derives from its values (TLS files, the credentials
file, the strategies file), then .Values.config.
*/}}
{{- define "meshtrace.configFile" -}}
{{- $settings := dict -}}
{{- if .Values.tls.enabled -}}
{{- $_ := set $settings "tls-cert" (printf "%s/tls.crt" (include "meshtrace.tlsDir" .)) -}}
{{- $_ := set $settings "tls-key" (printf "%s/tls.key" (include "meshtrace.tlsDir" .)) -}}
{{- if .Values.tls.clientCa -}}
{{- $_ := set $settings "tls-client-ca" (printf "%s/ca.crt" (include "meshtrace.tlsDir" .)) -}}
{{- if not (has "admin" .Values.tls.plainListeners) -}}
{{- /* kubelet's HTTPS probes present no client certificate. */ -}}
{{- $_ := set $settings "admin-tls-client-ca" "none" -}}
{{- end -}}
{{- end -}}
{{- range .Values.tls.plainListeners -}}
{{- $_ := set $settings (printf "%s-tls-cert" .) "none" -}}
{{- end -}}
{{- end -}}
{{- if .Values.auth.existingSecret -}}
{{- $_ := set $settings "auth-file" (printf "%s/%s" (include "meshtrace.authDir" .) .Values.auth.key) -}}
{{- end -}}
{{- if .Values.sampling.strategies -}}
{{- $_ := set $settings "sampling-strategies" (printf "%s/strategies.json" (include "meshtrace.configDir" .)) -}}
{{- end -}}
{{- merge $settings .Values.config | toYaml -}}
{{- end -}}
