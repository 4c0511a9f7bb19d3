{{/*
Helpers. The tests run helm lint --strict and helm template on this chart (docs/DEPLOYMENT.md §6).
*/}}

{{- define "tw.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end }}

{{- define "tw.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tw.labels" -}}
{{ include "tw.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: triage-warden
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "tw.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "tw.secretName" -}}
{{- default (include "tw.fullname" .) .Values.existingSecret -}}
{{- end }}

{{/* The URL the app uses for the primary: explicit, or the built-in PostgreSQL. */}}
{{- define "tw.primaryUrl" -}}
{{- if .Values.database.primary_url -}}
{{ .Values.database.primary_url }}
{{- else if .Values.postgresql.enabled -}}
postgres://{{ .Values.postgresql.auth.username }}:{{ .Values.postgresql.auth.password }}@{{ include "tw.fullname" . }}-postgresql:5432/{{ .Values.postgresql.auth.database }}
{{- end -}}
{{- end }}

{{- define "tw.redisUrl" -}}
{{- if .Values.redis.url -}}
{{ .Values.redis.url }}
{{- else if .Values.redis.enabled -}}
redis://{{ include "tw.fullname" . }}-redis-master:6379
{{- end -}}
{{- end }}

{{/* How the app connects to Redis: the chart's own Redis is always reached through its master. */}}
{{- define "tw.redisArchitecture" -}}
{{- if .Values.redis.enabled -}}
standalone
{{- else -}}
{{ .Values.redis.architecture }}
{{- end -}}
{{- end }}

{{/* Secret-free settings shared by every role, from values (the app's TW_* keys). */}}
{{- define "tw.env" -}}
- name: TW_CONFIG
  value: /etc/triage-warden/config.yaml
- name: TW_PORT
  value: {{ .Values.server.port | quote }}
- name: TW_HOST
  value: "0.0.0.0"
- name: TW_SERVER__SHUTDOWN_GRACE
  value: {{ .Values.server.shutdown_grace | quote }}
- name: TW_LOG_LEVEL
  value: {{ .Values.logging.level | quote }}
- name: TW_DATA_DIR
  value: /var/lib/triage-warden
- name: TW_INSTANCE_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: TW_DATABASE__MAX_CONNECTIONS
  value: {{ .Values.database.max_connections | quote }}
- name: TW_DATABASE__MIN_CONNECTIONS
  value: {{ .Values.database.min_connections | quote }}
- name: TW_DATABASE__CONNECT_TIMEOUT
  value: {{ .Values.database.connect_timeout | quote }}
- name: TW_DATABASE__READ_REPLICA_ENABLED
  value: {{ .Values.database.read_replica_enabled | quote }}
- name: TW_REDIS__ARCHITECTURE
  value: {{ include "tw.redisArchitecture" . | quote }}
{{- if and (not .Values.redis.enabled) .Values.redis.sentinels }}
- name: TW_REDIS__SENTINELS
  value: {{ include "tw.joinList" .Values.redis.sentinels | quote }}
- name: TW_REDIS__SENTINEL_MASTER_NAME
  value: {{ .Values.redis.sentinelMasterName | quote }}
{{- end }}
{{- if and (not .Values.redis.enabled) .Values.redis.cluster_nodes }}
- name: TW_REDIS__CLUSTER_NODES
  value: {{ include "tw.joinList" .Values.redis.cluster_nodes | quote }}
{{- end }}
- name: TW_ORCHESTRATOR__LEADERELECTION__ENABLED
  value: {{ .Values.orchestrator.leaderElection.enabled | quote }}
- name: TW_ORCHESTRATOR__LEADERELECTION__LEASEDURATION
  value: {{ .Values.orchestrator.leaderElection.leaseDuration | quote }}
- name: TW_ORCHESTRATOR__LEADERELECTION__RENEWDEADLINE
  value: {{ .Values.orchestrator.leaderElection.renewDeadline | quote }}
- name: TW_ORCHESTRATOR__LEADERELECTION__RETRYPERIOD
  value: {{ .Values.orchestrator.leaderElection.retryPeriod | quote }}
- name: TW_ORCHESTRATOR__CONCURRENCY__INCIDENTS
  value: {{ .Values.orchestrator.concurrency.incidents | quote }}
- name: TW_ORCHESTRATOR__CONCURRENCY__LLM
  value: {{ .Values.orchestrator.concurrency.llm | quote }}
- name: TW_ORCHESTRATOR__CONCURRENCY__ENRICHMENT
  value: {{ .Values.orchestrator.concurrency.enrichment | quote }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* A list of strings joined by commas (sprig's join, spelt in the subset). */}}
{{- define "tw.joinList" -}}
{{- range $i, $e := . }}{{ if $i }},{{ end }}{{ $e }}{{ end -}}
{{- end }}

{{/* Pod-level settings shared by the api and orchestrator Deployments. */}}
{{- define "tw.podCommon" -}}
serviceAccountName: {{ include "tw.fullname" . }}
automountServiceAccountToken: false
terminationGracePeriodSeconds: {{ .Values.server.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: config
    configMap:
      name: {{ include "tw.fullname" . }}-config
  - name: tmp
    emptyDir: {}
  - name: data
    emptyDir: {}
{{- end }}

{{/* Container settings shared by the api and orchestrator containers (probes on TW_PORT). */}}
{{- define "tw.containerCommon" -}}
image: {{ include "tw.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
ports:
  - name: http
    containerPort: {{ .Values.server.port }}
    protocol: TCP
envFrom:
  - secretRef:
      name: {{ include "tw.secretName" . }}
env:
  {{- include "tw.env" . | nindent 2 }}
startupProbe:
  httpGet:
    path: /live
    port: http
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /live
    port: http
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /ready
    port: http
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
lifecycle:
  preStop:
    exec:
      command: ["sleep", {{ .Values.server.preStopSleepSeconds | quote }}]
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: config
    mountPath: /etc/triage-warden
    readOnly: true
  - name: tmp
    mountPath: /tmp
  - name: data
    mountPath: /var/lib/triage-warden
{{- end }}

{{/* Connection strings and webhook secrets (the chart's Secret and the migration hook Secret). */}}
{{- define "tw.secretData" -}}
TW_DATABASE_URL: {{ include "tw.primaryUrl" . | required "set database.primary_url, enable postgresql, or use existingSecret" | quote }}
{{- with .Values.database.direct_url }}
TW_DATABASE_DIRECT_URL: {{ . | quote }}
{{- end }}
{{- with .Values.database.replica_url }}
TW_DATABASE_REPLICA_URL: {{ . | quote }}
{{- end }}
{{- with (include "tw.redisUrl" .) }}
TW_REDIS_URL: {{ . | quote }}
{{- end }}
{{- with .Values.adminApiKey }}
TW_ADMIN_API_KEY: {{ . | quote }}
{{- end }}
{{- with .Values.adminPassword }}
TW_ADMIN_PASSWORD: {{ . | quote }}
{{- end }}
{{- range $source, $secret := .Values.webhookSecrets }}
TW_WEBHOOK_SECRET_{{ $source | upper | replace "-" "_" }}: {{ $secret | quote }}
{{- end }}
{{- end }}
