{{/* Names and labels. */}}
{{- define "catena.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "catena.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "catena.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "catena.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: pass (dict "ctx" $ "component" "gateway"). */}}
{{- define "catena.selectorLabels" -}}
app.kubernetes.io/name: {{ include "catena.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "catena.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "catena.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "catena.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The runner image with Chromium (Dockerfile.browser). */}}
{{- define "catena.browserImage" -}}
{{- if .Values.browserImage -}}
{{- .Values.browserImage -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default (printf "%s-browser" (default .Chart.AppVersion .Values.image.tag)) .Values.image.browserTag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret the chart generates (database URL, secret key). */}}
{{- define "catena.secretName" -}}
{{- printf "%s-secrets" (include "catena.fullname" .) -}}
{{- end -}}

{{- define "catena.generatesSecret" -}}
{{- if or (not .Values.secretKey.existingSecret) (and .Values.database.url (not .Values.database.existingSecret)) -}}true{{- end -}}
{{- end -}}

{{/* Environment every Catena container shares: secrets by reference only. */}}
{{- define "catena.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "catena.secretName" .) .Values.database.existingSecret }}
      key: {{ ternary .Values.database.existingSecretKey "DATABASE_URL" (ne .Values.database.existingSecret "") }}
- name: CATENA_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default (include "catena.secretName" .) .Values.secretKey.existingSecret }}
      key: {{ ternary .Values.secretKey.existingSecretKey "CATENA_SECRET_KEY" (ne .Values.secretKey.existingSecret "") }}
- name: CATENA_LOG_FORMAT
  value: json
- name: CATENA_LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: CATENA_SCHEDULER
  value: {{ .Values.config.scheduler | quote }}
- name: CATENA_METRICS_ADDR
  value: {{ printf ":%d" (int .Values.metrics.port) | quote }}
{{- if .Values.config.publicURL }}
- name: CATENA_PUBLIC_URL
  value: {{ .Values.config.publicURL | quote }}
{{- end }}
{{- if eq .Values.config.scheduler "eventbridge" }}
- name: CATENA_EB_GROUP
  value: {{ .Values.config.eventbridge.group | quote }}
- name: CATENA_EB_LAMBDA_ARN
  value: {{ required "config.eventbridge.lambdaARN is required with config.scheduler=eventbridge" .Values.config.eventbridge.lambdaARN | quote }}
- name: CATENA_EB_ROLE_ARN
  value: {{ required "config.eventbridge.roleARN is required with config.scheduler=eventbridge" .Values.config.eventbridge.roleARN | quote }}
{{- with .Values.config.eventbridge.dlqARN }}
- name: CATENA_EB_DLQ_ARN
  value: {{ . | quote }}
{{- end }}
{{- with .Values.config.eventbridge.region }}
- name: AWS_REGION
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- with .Values.config.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by every workload. */}}
{{- define "catena.podSpec" -}}
serviceAccountName: {{ include "catena.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{ toYaml . }}
{{- end }}
securityContext:
{{ toYaml .Values.podSecurityContext | indent 2 }}
{{- end -}}

{{/* The writable /tmp a read-only root filesystem still needs. */}}
{{- define "catena.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}

{{- define "catena.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "catena.validate" -}}
{{- if and (not .Values.database.url) (not .Values.database.existingSecret) -}}
{{- fail "set database.url or database.existingSecret: Catena needs an external PostgreSQL" -}}
{{- end -}}
{{- if not (has .Values.config.scheduler (list "local" "eventbridge" "off")) -}}
{{- fail (printf "config.scheduler=%q must be local, eventbridge or off" .Values.config.scheduler) -}}
{{- end -}}
{{- $seen := dict -}}
{{- range .Values.runners -}}
{{- if not .location -}}{{- fail "every entry of runners needs a location" -}}{{- end -}}
{{- if hasKey $seen .location -}}{{- fail (printf "runners: location %q is listed twice" .location) -}}{{- end -}}
{{- $_ := set $seen .location true -}}
{{- end -}}
{{- end -}}
