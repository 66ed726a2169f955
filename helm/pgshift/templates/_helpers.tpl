{{/* Names, labels and the pieces the Job and the app's initContainer share. */}}

{{- define "pgshift.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Object name prefix; leaves room for the longest suffix ("-migrations"). */}}
{{- define "pgshift.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "pgshift.jobName" -}}
{{- printf "%s-migrate" (include "pgshift.fullname" .) -}}
{{- end -}}

{{- define "pgshift.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pgshift.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pgshift.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pgshift.labels" -}}
helm.sh/chart: {{ include "pgshift.chart" . }}
{{ include "pgshift.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The pgshift image: repository@digest, or repository:tag (tag defaults to appVersion). */}}
{{- define "pgshift.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
Hook annotations. Argument: (dict "ctx" $ "weight" N). Helm runs hooks of one phase in weight order
and waits for a Job hook to finish; plain chart resources do not exist yet at that point, so the
Secret and ConfigMap the Job needs are hooks too, with a lower weight.
*/}}
{{- define "pgshift.hookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation
{{- if .ctx.Values.argocd.enabled }}
argocd.argoproj.io/hook: PreSync
argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
argocd.argoproj.io/sync-wave: {{ .weight | quote }}
{{- end }}
{{- end -}}

{{/*
Is there a database secret at all? Always, except in fleet mode with the targets from a Secret file
(then the targets carry their own credentials and database.* may be left out).
*/}}
{{- define "pgshift.hasDatabaseSecret" -}}
{{- $db := .Values.database -}}
{{- if or $db.url $db.password $db.existingSecret.name -}}true{{- end -}}
{{- end -}}

{{/* Does the chart render a Secret (database.url or database.password), or use an existing one? */}}
{{- define "pgshift.rendersSecret" -}}
{{- if and (include "pgshift.hasDatabaseSecret" .) (not .Values.database.existingSecret.name) -}}true{{- end -}}
{{- end -}}

{{- define "pgshift.secretName" -}}
{{- default (include "pgshift.fullname" .) .Values.database.existingSecret.name -}}
{{- end -}}

{{/* "url" or "password": what the mounted secret file holds. */}}
{{- define "pgshift.secretContains" -}}
{{- if .Values.database.existingSecret.name -}}
{{- .Values.database.existingSecret.contains | default "url" -}}
{{- else if .Values.database.url -}}
url
{{- else -}}
password
{{- end -}}
{{- end -}}

{{/* The key inside the Secret. */}}
{{- define "pgshift.secretKey" -}}
{{- if .Values.database.existingSecret.name -}}
{{- .Values.database.existingSecret.key -}}
{{- else if .Values.database.url -}}
DATABASE_URL
{{- else -}}
POSTGRES_PASSWORD
{{- end -}}
{{- end -}}

{{- define "pgshift.secretDir" -}}/var/run/secrets/pgshift{{- end -}}

{{- define "pgshift.fleetTargetsDir" -}}/var/run/secrets/pgshift-fleet{{- end -}}

{{/*
Fleet mode on a Kubernetes with backoffLimitPerIndex (beta and on by default since 1.29, GA in 1.33):
each shard gets its own retries, and a shard whose targets failed for good fails alone (FailIndex).
*/}}
{{- define "pgshift.perIndexBackoff" -}}
{{- if and .Values.fleet.enabled (semverCompare ">=1.29.0-0" .Capabilities.KubeVersion.Version) -}}true{{- end -}}
{{- end -}}

{{- define "pgshift.migrationsDir" -}}
{{- default "/migrations" .Values.env.MIGRATIONS_DIR -}}
{{- end -}}

{{/* A pgshift duration (0, 500ms, 30s, 1.5m, 1h) in whole seconds, rounded up; empty → the given default. */}}
{{- define "pgshift.seconds" -}}
{{- $v := default .default .value | toString -}}
{{- $number := regexFind "^[0-9]+([.][0-9]+)?" $v -}}
{{- $unit := trimPrefix $number $v -}}
{{- $factors := dict "ms" 0.001 "s" 1.0 "m" 60.0 "h" 3600.0 -}}
{{- if eq $v "0" -}}0
{{- else if and $number (hasKey $factors $unit) -}}{{ mulf (float64 $number) (get $factors $unit) | ceil | int }}
{{- else -}}{{ fail (printf "pgshift: cannot read the duration %q (use ms, s, m or h)" $v) }}
{{- end -}}
{{- end -}}

{{/* Checks across values that the JSON schema cannot express. Rendered (empty) by the Job. */}}
{{- define "pgshift.validate" -}}
{{- $db := .Values.database -}}
{{- if and $db.existingSecret.name (or $db.url $db.password) -}}
{{- fail "pgshift: set either database.existingSecret.name or database.url/database.password, not both (the secret would come from two places)" -}}
{{- end -}}
{{- if and $db.url $db.password -}}
{{- fail "pgshift: set either database.url or database.password, not both (the URL wins; put the password in the URL)" -}}
{{- end -}}
{{- $wait := include "pgshift.seconds" (dict "value" .Values.env.DB_WAIT_TIMEOUT "default" "60s") | atoi -}}
{{- $lock := include "pgshift.seconds" (dict "value" .Values.env.LOCK_TIMEOUT "default" "10m") | atoi -}}
{{- $fleet := .Values.fleet -}}
{{- if and $fleet.enabled (not (kindIs "invalid" $fleet.maxFailedIndexes)) (gt (int $fleet.maxFailedIndexes) (int $fleet.shards)) -}}
{{- fail (printf "pgshift: fleet.maxFailedIndexes (%d) cannot exceed fleet.shards (%d)" (int $fleet.maxFailedIndexes) (int $fleet.shards)) -}}
{{- end -}}
{{- if le (int .Values.job.activeDeadlineSeconds) (add $wait $lock) -}}
{{- fail (printf "pgshift: job.activeDeadlineSeconds (%d) must exceed DB_WAIT_TIMEOUT + LOCK_TIMEOUT (%d s) plus your longest migration, or Kubernetes kills a run that is still waiting or working" (int .Values.job.activeDeadlineSeconds) (add $wait $lock)) -}}
{{- end -}}
{{- end -}}

{{/*
Environment of pgshift (Job container and the app's initContainer). The database secret is only
ever a file path here (DATABASE_URL_FILE / POSTGRES_PASSWORD_FILE).
*/}}
{{- define "pgshift.env" -}}
{{- $db := .Values.database -}}
{{- if not (include "pgshift.hasDatabaseSecret" .) }}
{{- else if eq (include "pgshift.secretContains" .) "url" }}
- name: DATABASE_URL_FILE
  value: {{ printf "%s/database-url" (include "pgshift.secretDir" .) | quote }}
{{- else }}
- name: POSTGRES_PASSWORD_FILE
  value: {{ printf "%s/postgres-password" (include "pgshift.secretDir" .) | quote }}
{{- end }}
{{- if $db.host }}
- name: POSTGRES_HOST
  value: {{ $db.host | quote }}
- name: POSTGRES_PORT
  value: {{ $db.port | default 5432 | toString | quote }}
{{- end }}
{{- with $db.user }}
- name: POSTGRES_USER
  value: {{ . | quote }}
{{- end }}
{{- with $db.name }}
- name: POSTGRES_DB
  value: {{ . | quote }}
{{- end }}
{{- with $db.sslmode }}
- name: PGSSLMODE
  value: {{ . | quote }}
{{- end }}
- name: MIGRATIONS_DIR
  value: {{ include "pgshift.migrationsDir" . | quote }}
- name: TERMINATION_LOG
  value: /dev/termination-log
{{- if .Values.fleet.enabled }}
{{ include "pgshift.fleetEnv" . }}
{{- end }}
{{- range $name, $value := .Values.env }}
{{- if and (ne $name "MIGRATIONS_DIR") (ne (toString $value) "") }}
- name: {{ $name }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Fleet settings (fleet.enabled). FLEET_SHARD is not set: pgshift reads the pod's index from
JOB_COMPLETION_INDEX, which Kubernetes sets in every pod of an Indexed Job.
*/}}
{{- define "pgshift.fleetEnv" -}}
{{- $f := .Values.fleet -}}
- name: FLEET_SHARDS
  value: {{ $f.shards | int | toString | quote }}
{{- if $f.targets.existingSecret.name }}
- name: FLEET_TARGETS_FILE
  value: {{ printf "%s/targets" (include "pgshift.fleetTargetsDir" .) | quote }}
{{- else if $f.targets.query }}
- name: FLEET_TARGETS_QUERY
  value: {{ $f.targets.query | quote }}
{{- else if $f.schemas.list }}
- name: FLEET_SCHEMAS
  value: {{ join "," $f.schemas.list | quote }}
{{- else }}
- name: FLEET_SCHEMAS_QUERY
  value: {{ $f.schemas.query | quote }}
{{- end }}
{{- if not (kindIs "invalid" $f.concurrency) }}
- name: FLEET_CONCURRENCY
  value: {{ $f.concurrency | int | toString | quote }}
{{- end }}
{{- with $f.targetTimeout }}
- name: FLEET_TARGET_TIMEOUT
  value: {{ . | quote }}
{{- end }}
{{- if gt (int $f.canary) 0 }}
- name: FLEET_CANARY
  value: {{ $f.canary | int | toString | quote }}
{{- end }}
{{- if $f.failFast }}
- name: FLEET_FAIL_FAST
  value: "true"
{{- end }}
{{- end -}}

{{/* Volume mounts of pgshift. */}}
{{- define "pgshift.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "pgshift.hasDatabaseSecret" . }}
- name: database
  mountPath: {{ include "pgshift.secretDir" . }}
  readOnly: true
{{- end }}
{{- if and .Values.fleet.enabled .Values.fleet.targets.existingSecret.name }}
- name: fleet-targets
  mountPath: {{ include "pgshift.fleetTargetsDir" . }}
  readOnly: true
{{- end }}
{{- if .Values.migrations.configMap.enabled }}
- name: migrations
  mountPath: {{ include "pgshift.migrationsDir" . }}
  readOnly: true
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Volumes pgshift needs. The secret key is projected to one file, mode 0440 (fsGroup reads it). */}}
{{- define "pgshift.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if include "pgshift.hasDatabaseSecret" . }}
- name: database
  secret:
    secretName: {{ include "pgshift.secretName" . }}
    # 288 = 0440 (decimal: YAML 1.2 readers take a leading 0 as decimal)
    defaultMode: 288
    items:
      - key: {{ include "pgshift.secretKey" . }}
        path: {{ ternary "database-url" "postgres-password" (eq (include "pgshift.secretContains" .) "url") }}
{{- end }}
{{- if and .Values.fleet.enabled .Values.fleet.targets.existingSecret.name }}
- name: fleet-targets
  secret:
    secretName: {{ .Values.fleet.targets.existingSecret.name }}
    defaultMode: 288
    items:
      - key: {{ .Values.fleet.targets.existingSecret.key }}
        path: targets
{{- end }}
{{- if .Values.migrations.configMap.enabled }}
- name: migrations
  configMap:
    name: {{ printf "%s-migrations" (include "pgshift.fullname" .) }}
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The pgshift container's fixed fields after name/args (shared by the Job and the initContainer). */}}
{{- define "pgshift.containerBody" -}}
image: {{ include "pgshift.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
env:
{{- include "pgshift.env" . | trim | nindent 2 }}
{{- with .Values.resources }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.securityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
terminationMessagePath: /dev/termination-log
terminationMessagePolicy: FallbackToLogsOnError
volumeMounts:
{{- include "pgshift.volumeMounts" . | nindent 2 }}
{{- end -}}

{{/* Pod-level fields shared by the Job's pod and the app's pod. */}}
{{- define "pgshift.podCommon" -}}
automountServiceAccountToken: false
enableServiceLinks: false
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
{{- with .Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
