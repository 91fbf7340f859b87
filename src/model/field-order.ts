/**
 * How each compose-go struct marshals: its fields in Go declaration order (the
 * order both `encoding/json` and go-yaml print them in), the key each prints
 * under, and what Go type it is, since Go's `omitempty` and the custom
 * Marshal{JSON,YAML} methods depend on the type. Transcribed from compose-go
 * `types/*.go` (tags and declaration order); the renderer in
 * src/compose/config-render.ts interprets these tables, so a field added
 * upstream is one line here.
 *
 * Kinds, as Go types (omitempty unless the kind says `raw`):
 * - `string`, `bool`, `int`, `float32`: scalars, omitted when zero;
 *   `rawString`, `rawBool`, `rawInt`: no omitempty, always printed.
 * - `ptrBool`, `ptrInt`: pointers, printed whenever set (also `false`/`0`).
 * - `bytes` (UnitBytes): decimal string, omitted when 0; `rawBytes` always.
 * - `duration` (Duration): Go `time.Duration` string, omitted when 0;
 *   `ptrDuration` (*Duration): printed whenever set.
 * - `strings`: []string; `command`: ShellCommand (JSON always prints it, `null`
 *   when nil; YAML omits nil, prints `[]` when explicitly empty).
 * - `strMap` map[string]string, `nullMap` map[string]*string, `multiMap`
 *   map[string][]string, `hosts` HostsList (sorted `host=ip` list), `ssh`
 *   SSHConfig, `fileMode` *FileMode (`"0440"`), `optOut` OptOut (default true,
 *   printed only when false), `ulimits` map[string]*UlimitsConfig.
 * - `ptr`: *Struct (omitted when nil); `value`: a Struct value (JSON prints it
 *   even when empty, as `{}`; YAML omits it when all its fields are zero);
 *   `list`: []Struct; `map`: map[string]Struct; `ptrMap`: map[string]*Struct
 *   (a nil entry prints `null`).
 */

export type FieldKind =
  | 'string'
  | 'rawString'
  | 'bool'
  | 'rawBool'
  | 'ptrBool'
  | 'int'
  | 'rawInt'
  | 'ptrInt'
  | 'float32'
  | 'bytes'
  | 'rawBytes'
  | 'duration'
  | 'ptrDuration'
  | 'strings'
  | 'command'
  | 'strMap'
  | 'nullMap'
  | 'multiMap'
  | 'hosts'
  | 'ssh'
  | 'fileMode'
  | 'optOut'
  | 'ulimits'
  | 'ptr'
  | 'value'
  | 'list'
  | 'map'
  | 'ptrMap';

export type StructName =
  | 'service'
  | 'build'
  | 'develop'
  | 'trigger'
  | 'hook'
  | 'blkio'
  | 'weightDevice'
  | 'throttleDevice'
  | 'fileReference'
  | 'credentialSpec'
  | 'dependency'
  | 'deploy'
  | 'updateConfig'
  | 'resources'
  | 'resource'
  | 'genericResource'
  | 'discreteResource'
  | 'restartPolicy'
  | 'placement'
  | 'placementPreference'
  | 'deviceRequest'
  | 'deviceMapping'
  | 'envFile'
  | 'extends'
  | 'healthcheck'
  | 'logging'
  | 'serviceModel'
  | 'serviceNetwork'
  | 'port'
  | 'volumeMount'
  | 'volumeBind'
  | 'volumeVolume'
  | 'volumeTmpfs'
  | 'volumeImage'
  | 'provider'
  | 'network'
  | 'ipam'
  | 'ipamPool'
  | 'volume'
  | 'fileObject'
  | 'model';

export interface FieldSpec {
  /** Property name in src/model/project.ts. */
  readonly field: string;
  /** JSON key (and YAML key unless `yamlKey` says otherwise). */
  readonly key: string;
  /** YAML key when it differs: structs without yaml tags print lower-cased Go field names. */
  readonly yamlKey?: string;
  readonly kind: FieldKind;
  /** Element struct of `ptr`, `value`, `list`, `map`, `ptrMap`. */
  readonly struct?: StructName;
}

export interface StructSpec {
  readonly fields: readonly FieldSpec[];
  /** Has an inline `x-*` map: printed after the fields in YAML, never in JSON. */
  readonly extensions: boolean;
}

function f(field: string, key: string, kind: FieldKind, struct?: StructName): FieldSpec {
  return struct === undefined ? { field, key, kind } : { field, key, kind, struct };
}

/** A field of a struct without yaml tags: JSON uses the Go name, YAML the lower-cased one. */
function untagged(field: string, goName: string, kind: FieldKind): FieldSpec {
  return { field, key: goName, yamlKey: goName.toLowerCase(), kind };
}

const fileReference: StructSpec = {
  extensions: true,
  fields: [
    f('source', 'source', 'string'),
    f('target', 'target', 'string'),
    f('uid', 'uid', 'string'),
    f('gid', 'gid', 'string'),
    f('mode', 'mode', 'fileMode'),
  ],
};

const updateConfig: StructSpec = {
  extensions: true,
  fields: [
    f('parallelism', 'parallelism', 'ptrInt'),
    f('delay', 'delay', 'duration'),
    f('failureAction', 'failure_action', 'string'),
    f('monitor', 'monitor', 'duration'),
    f('maxFailureRatio', 'max_failure_ratio', 'float32'),
    f('order', 'order', 'string'),
  ],
};

export const STRUCTS: Readonly<Record<StructName, StructSpec>> = {
  service: {
    extensions: true,
    fields: [
      f('profiles', 'profiles', 'strings'),
      f('annotations', 'annotations', 'strMap'),
      f('attach', 'attach', 'ptrBool'),
      f('build', 'build', 'ptr', 'build'),
      f('develop', 'develop', 'ptr', 'develop'),
      f('blkioConfig', 'blkio_config', 'ptr', 'blkio'),
      f('capAdd', 'cap_add', 'strings'),
      f('capDrop', 'cap_drop', 'strings'),
      f('cgroupParent', 'cgroup_parent', 'string'),
      f('cgroup', 'cgroup', 'string'),
      f('cpuCount', 'cpu_count', 'int'),
      f('cpuPercent', 'cpu_percent', 'float32'),
      f('cpuPeriod', 'cpu_period', 'int'),
      f('cpuQuota', 'cpu_quota', 'int'),
      f('cpuRtPeriod', 'cpu_rt_period', 'int'),
      f('cpuRtRuntime', 'cpu_rt_runtime', 'int'),
      f('cpus', 'cpus', 'float32'),
      f('cpuset', 'cpuset', 'string'),
      f('cpuShares', 'cpu_shares', 'int'),
      f('command', 'command', 'command'),
      f('configs', 'configs', 'list', 'fileReference'),
      f('containerName', 'container_name', 'string'),
      f('credentialSpec', 'credential_spec', 'ptr', 'credentialSpec'),
      f('dependsOn', 'depends_on', 'map', 'dependency'),
      f('deploy', 'deploy', 'ptr', 'deploy'),
      f('deviceCgroupRules', 'device_cgroup_rules', 'strings'),
      f('devices', 'devices', 'list', 'deviceMapping'),
      f('dns', 'dns', 'strings'),
      f('dnsOpts', 'dns_opt', 'strings'),
      f('dnsSearch', 'dns_search', 'strings'),
      f('dockerfile', 'dockerfile', 'string'),
      f('domainName', 'domainname', 'string'),
      f('entrypoint', 'entrypoint', 'command'),
      f('provider', 'provider', 'ptr', 'provider'),
      f('environment', 'environment', 'nullMap'),
      f('envFiles', 'env_file', 'list', 'envFile'),
      f('expose', 'expose', 'strings'),
      f('extends', 'extends', 'ptr', 'extends'),
      f('externalLinks', 'external_links', 'strings'),
      f('extraHosts', 'extra_hosts', 'hosts'),
      f('groupAdd', 'group_add', 'strings'),
      f('gpus', 'gpus', 'list', 'deviceRequest'),
      f('hostname', 'hostname', 'string'),
      f('healthcheck', 'healthcheck', 'ptr', 'healthcheck'),
      f('image', 'image', 'string'),
      f('init', 'init', 'ptrBool'),
      f('ipc', 'ipc', 'string'),
      f('isolation', 'isolation', 'string'),
      f('labels', 'labels', 'strMap'),
      f('labelFiles', 'label_file', 'strings'),
      f('links', 'links', 'strings'),
      f('logging', 'logging', 'ptr', 'logging'),
      f('logDriver', 'log_driver', 'string'),
      f('logOpt', 'log_opt', 'strMap'),
      f('memLimit', 'mem_limit', 'bytes'),
      f('memReservation', 'mem_reservation', 'bytes'),
      f('memSwapLimit', 'memswap_limit', 'bytes'),
      f('memSwappiness', 'mem_swappiness', 'bytes'),
      f('macAddress', 'mac_address', 'string'),
      f('models', 'models', 'ptrMap', 'serviceModel'),
      f('net', 'net', 'string'),
      f('networkMode', 'network_mode', 'string'),
      f('networks', 'networks', 'ptrMap', 'serviceNetwork'),
      f('oomKillDisable', 'oom_kill_disable', 'bool'),
      f('oomScoreAdj', 'oom_score_adj', 'int'),
      f('pid', 'pid', 'string'),
      f('pidsLimit', 'pids_limit', 'int'),
      f('platform', 'platform', 'string'),
      f('ports', 'ports', 'list', 'port'),
      f('privileged', 'privileged', 'bool'),
      f('pullPolicy', 'pull_policy', 'string'),
      f('readOnly', 'read_only', 'bool'),
      f('restart', 'restart', 'string'),
      f('runtime', 'runtime', 'string'),
      f('scale', 'scale', 'ptrInt'),
      f('secrets', 'secrets', 'list', 'fileReference'),
      f('securityOpt', 'security_opt', 'strings'),
      f('shmSize', 'shm_size', 'bytes'),
      f('stdinOpen', 'stdin_open', 'bool'),
      f('stopGracePeriod', 'stop_grace_period', 'ptrDuration'),
      f('stopSignal', 'stop_signal', 'string'),
      f('storageOpt', 'storage_opt', 'strMap'),
      f('sysctls', 'sysctls', 'strMap'),
      f('tmpfs', 'tmpfs', 'strings'),
      f('tty', 'tty', 'bool'),
      f('ulimits', 'ulimits', 'ulimits'),
      f('useApiSocket', 'use_api_socket', 'bool'),
      f('user', 'user', 'string'),
      f('usernsMode', 'userns_mode', 'string'),
      f('uts', 'uts', 'string'),
      f('volumeDriver', 'volume_driver', 'string'),
      f('volumes', 'volumes', 'list', 'volumeMount'),
      f('volumesFrom', 'volumes_from', 'strings'),
      f('workingDir', 'working_dir', 'string'),
      f('preStart', 'pre_start', 'list', 'hook'),
      f('postStart', 'post_start', 'list', 'hook'),
      f('preStop', 'pre_stop', 'list', 'hook'),
    ],
  },
  build: {
    extensions: true,
    fields: [
      f('context', 'context', 'string'),
      f('dockerfile', 'dockerfile', 'string'),
      f('dockerfileInline', 'dockerfile_inline', 'string'),
      f('entitlements', 'entitlements', 'strings'),
      f('args', 'args', 'nullMap'),
      f('provenance', 'provenance', 'string'),
      f('sbom', 'sbom', 'string'),
      f('ssh', 'ssh', 'ssh'),
      f('labels', 'labels', 'strMap'),
      f('cacheFrom', 'cache_from', 'strings'),
      f('cacheTo', 'cache_to', 'strings'),
      f('noCache', 'no_cache', 'bool'),
      f('noCacheFilter', 'no_cache_filter', 'strings'),
      f('additionalContexts', 'additional_contexts', 'strMap'),
      f('pull', 'pull', 'bool'),
      f('extraHosts', 'extra_hosts', 'hosts'),
      f('isolation', 'isolation', 'string'),
      f('network', 'network', 'string'),
      f('target', 'target', 'string'),
      f('secrets', 'secrets', 'list', 'fileReference'),
      f('shmSize', 'shm_size', 'bytes'),
      f('tags', 'tags', 'strings'),
      f('ulimits', 'ulimits', 'ulimits'),
      f('platforms', 'platforms', 'strings'),
      f('privileged', 'privileged', 'bool'),
    ],
  },
  develop: { extensions: true, fields: [f('watch', 'watch', 'list', 'trigger')] },
  trigger: {
    extensions: true,
    fields: [
      f('path', 'path', 'rawString'),
      f('action', 'action', 'rawString'),
      f('target', 'target', 'string'),
      f('exec', 'exec', 'value', 'hook'),
      f('include', 'include', 'strings'),
      f('ignore', 'ignore', 'strings'),
    ],
  },
  hook: {
    extensions: true,
    fields: [
      f('command', 'command', 'command'),
      f('image', 'image', 'string'),
      f('copy', 'copy', 'value', 'fileReference'),
      f('user', 'user', 'string'),
      f('privileged', 'privileged', 'bool'),
      f('workingDir', 'working_dir', 'string'),
      f('environment', 'environment', 'nullMap'),
    ],
  },
  blkio: {
    extensions: true,
    fields: [
      f('weight', 'weight', 'int'),
      f('weightDevice', 'weight_device', 'list', 'weightDevice'),
      f('deviceReadBps', 'device_read_bps', 'list', 'throttleDevice'),
      f('deviceReadIOps', 'device_read_iops', 'list', 'throttleDevice'),
      f('deviceWriteBps', 'device_write_bps', 'list', 'throttleDevice'),
      f('deviceWriteIOps', 'device_write_iops', 'list', 'throttleDevice'),
    ],
  },
  weightDevice: {
    extensions: true,
    fields: [untagged('path', 'Path', 'rawString'), untagged('weight', 'Weight', 'rawInt')],
  },
  throttleDevice: {
    extensions: true,
    fields: [untagged('path', 'Path', 'rawString'), untagged('rate', 'Rate', 'rawBytes')],
  },
  fileReference,
  credentialSpec: {
    extensions: true,
    fields: [f('config', 'config', 'string'), f('file', 'file', 'string'), f('registry', 'registry', 'string')],
  },
  dependency: {
    // Go declares Extensions before Required; go-yaml still prints the inline map last.
    extensions: true,
    fields: [
      f('condition', 'condition', 'string'),
      f('restart', 'restart', 'bool'),
      f('required', 'required', 'rawBool'),
    ],
  },
  deploy: {
    extensions: true,
    fields: [
      f('mode', 'mode', 'string'),
      f('replicas', 'replicas', 'ptrInt'),
      f('labels', 'labels', 'strMap'),
      f('updateConfig', 'update_config', 'ptr', 'updateConfig'),
      f('rollbackConfig', 'rollback_config', 'ptr', 'updateConfig'),
      f('resources', 'resources', 'value', 'resources'),
      f('restartPolicy', 'restart_policy', 'ptr', 'restartPolicy'),
      f('placement', 'placement', 'value', 'placement'),
      f('endpointMode', 'endpoint_mode', 'string'),
    ],
  },
  updateConfig,
  resources: {
    extensions: true,
    fields: [f('limits', 'limits', 'ptr', 'resource'), f('reservations', 'reservations', 'ptr', 'resource')],
  },
  resource: {
    extensions: true,
    fields: [
      f('cpus', 'cpus', 'float32'),
      f('memory', 'memory', 'bytes'),
      f('pids', 'pids', 'int'),
      f('devices', 'devices', 'list', 'deviceRequest'),
      f('genericResources', 'generic_resources', 'list', 'genericResource'),
    ],
  },
  genericResource: {
    extensions: true,
    fields: [f('discreteResourceSpec', 'discrete_resource_spec', 'ptr', 'discreteResource')],
  },
  discreteResource: {
    extensions: true,
    fields: [f('kind', 'kind', 'rawString'), f('value', 'value', 'rawInt')],
  },
  restartPolicy: {
    extensions: true,
    fields: [
      f('condition', 'condition', 'string'),
      f('delay', 'delay', 'ptrDuration'),
      f('maxAttempts', 'max_attempts', 'ptrInt'),
      f('window', 'window', 'ptrDuration'),
    ],
  },
  placement: {
    extensions: true,
    fields: [
      f('constraints', 'constraints', 'strings'),
      f('preferences', 'preferences', 'list', 'placementPreference'),
      f('maxReplicas', 'max_replicas_per_node', 'int'),
    ],
  },
  placementPreference: { extensions: true, fields: [f('spread', 'spread', 'string')] },
  deviceRequest: {
    extensions: false,
    fields: [
      f('capabilities', 'capabilities', 'strings'),
      f('driver', 'driver', 'string'),
      f('count', 'count', 'int'),
      f('deviceIds', 'device_ids', 'strings'),
      f('options', 'options', 'strMap'),
    ],
  },
  deviceMapping: {
    extensions: true,
    fields: [
      f('source', 'source', 'string'),
      f('target', 'target', 'string'),
      f('permissions', 'permissions', 'string'),
    ],
  },
  envFile: {
    extensions: false,
    fields: [f('path', 'path', 'string'), f('required', 'required', 'optOut'), f('format', 'format', 'string')],
  },
  extends: { extensions: false, fields: [f('file', 'file', 'string'), f('service', 'service', 'string')] },
  healthcheck: {
    extensions: true,
    fields: [
      f('test', 'test', 'strings'),
      f('timeout', 'timeout', 'ptrDuration'),
      f('interval', 'interval', 'ptrDuration'),
      f('retries', 'retries', 'ptrInt'),
      f('startPeriod', 'start_period', 'ptrDuration'),
      f('startInterval', 'start_interval', 'ptrDuration'),
      f('disable', 'disable', 'bool'),
    ],
  },
  logging: { extensions: true, fields: [f('driver', 'driver', 'string'), f('options', 'options', 'strMap')] },
  serviceModel: { extensions: true, fields: [f('endpointVar', 'endpoint_var', 'string')] },
  serviceNetwork: {
    extensions: true,
    fields: [
      f('aliases', 'aliases', 'strings'),
      f('driverOpts', 'driver_opts', 'strMap'),
      f('gwPriority', 'gw_priority', 'int'),
      f('interfaceName', 'interface_name', 'string'),
      f('ipv4Address', 'ipv4_address', 'string'),
      f('ipv6Address', 'ipv6_address', 'string'),
      f('linkLocalIps', 'link_local_ips', 'strings'),
      f('macAddress', 'mac_address', 'string'),
      f('priority', 'priority', 'int'),
    ],
  },
  port: {
    extensions: true,
    fields: [
      f('name', 'name', 'string'),
      f('mode', 'mode', 'string'),
      f('hostIp', 'host_ip', 'string'),
      f('target', 'target', 'int'),
      f('published', 'published', 'string'),
      f('protocol', 'protocol', 'string'),
      f('appProtocol', 'app_protocol', 'string'),
    ],
  },
  volumeMount: {
    extensions: true,
    fields: [
      f('type', 'type', 'string'),
      f('source', 'source', 'string'),
      f('target', 'target', 'string'),
      f('readOnly', 'read_only', 'bool'),
      f('consistency', 'consistency', 'string'),
      f('bind', 'bind', 'ptr', 'volumeBind'),
      f('volume', 'volume', 'ptr', 'volumeVolume'),
      f('tmpfs', 'tmpfs', 'ptr', 'volumeTmpfs'),
      f('image', 'image', 'ptr', 'volumeImage'),
    ],
  },
  volumeBind: {
    extensions: true,
    fields: [
      f('selinux', 'selinux', 'string'),
      f('propagation', 'propagation', 'string'),
      f('createHostPath', 'create_host_path', 'optOut'),
      f('recursive', 'recursive', 'string'),
    ],
  },
  volumeVolume: {
    extensions: true,
    fields: [f('labels', 'labels', 'strMap'), f('nocopy', 'nocopy', 'bool'), f('subpath', 'subpath', 'string')],
  },
  volumeTmpfs: { extensions: true, fields: [f('size', 'size', 'bytes'), f('mode', 'mode', 'int')] },
  volumeImage: { extensions: true, fields: [f('subpath', 'subpath', 'string')] },
  provider: { extensions: true, fields: [f('type', 'type', 'string'), f('options', 'options', 'multiMap')] },
  network: {
    extensions: true,
    fields: [
      f('name', 'name', 'string'),
      f('driver', 'driver', 'string'),
      f('driverOpts', 'driver_opts', 'strMap'),
      f('ipam', 'ipam', 'value', 'ipam'),
      f('external', 'external', 'bool'),
      f('internal', 'internal', 'bool'),
      f('attachable', 'attachable', 'bool'),
      f('labels', 'labels', 'strMap'),
      f('enableIpv4', 'enable_ipv4', 'ptrBool'),
      f('enableIpv6', 'enable_ipv6', 'ptrBool'),
    ],
  },
  ipam: {
    extensions: true,
    fields: [f('driver', 'driver', 'string'), f('config', 'config', 'list', 'ipamPool')],
  },
  ipamPool: {
    extensions: true,
    fields: [
      f('subnet', 'subnet', 'string'),
      f('gateway', 'gateway', 'string'),
      f('ipRange', 'ip_range', 'string'),
      f('auxAddresses', 'aux_addresses', 'strMap'),
    ],
  },
  volume: {
    extensions: true,
    fields: [
      f('name', 'name', 'string'),
      f('driver', 'driver', 'string'),
      f('driverOpts', 'driver_opts', 'strMap'),
      f('external', 'external', 'bool'),
      f('labels', 'labels', 'strMap'),
    ],
  },
  fileObject: {
    extensions: true,
    fields: [
      f('name', 'name', 'string'),
      f('file', 'file', 'string'),
      f('environment', 'environment', 'string'),
      f('content', 'content', 'string'),
      f('external', 'external', 'bool'),
      f('labels', 'labels', 'strMap'),
      f('driver', 'driver', 'string'),
      f('driverOpts', 'driver_opts', 'strMap'),
      f('templateDriver', 'template_driver', 'string'),
    ],
  },
  model: {
    extensions: true,
    fields: [
      f('name', 'name', 'string'),
      f('model', 'model', 'string'),
      f('contextSize', 'context_size', 'int'),
      f('runtimeFlags', 'runtime_flags', 'strings'),
    ],
  },
};
