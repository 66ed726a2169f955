// The Pod Security Standards "restricted" profile (Kubernetes 1.30 policy text) as a plain function
// over a pod spec, so every rendered pod template can be checked offline. It is a re-implementation
// of the published rules, not the admission controller itself.
import { at } from './helm-chart.js';

const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

type Obj = Record<string, unknown>;

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? (value as Obj[]) : [];
}

/** Every violation of the "restricted" profile in a pod spec; empty when it complies. */
export function restrictedViolations(podSpec: unknown): string[] {
  const v: string[] = [];
  const pod = (podSpec ?? {}) as Obj;
  const podSc = (pod.securityContext ?? {}) as Obj;
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[f] === true) v.push(`pod: ${f}`);
  for (const vol of list(pod.volumes)) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (!type || !RESTRICTED_VOLUME_TYPES.has(type)) v.push(`volume ${String(vol.name)}: type ${type} not allowed`);
  }
  for (const s of list(at(podSc, 'sysctls'))) if (!SAFE_SYSCTLS.has(String(s.name))) v.push(`pod: unsafe sysctl ${String(s.name)}`);
  if (podSc.runAsUser === 0) v.push('pod: runAsUser 0');
  const podSeccomp = at(podSc, 'seccompProfile', 'type');
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault' && podSeccomp !== 'Localhost') v.push(`pod: seccompProfile ${String(podSeccomp)}`);

  const containers = [...list(pod.initContainers), ...list(pod.containers), ...list(pod.ephemeralContainers)];
  for (const c of containers) {
    const name = `container ${String(c.name)}`;
    const sc = (c.securityContext ?? {}) as Obj;
    if (sc.privileged === true) v.push(`${name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${name}: allowPrivilegeEscalation must be false`);
    const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    if (runAsNonRoot !== true) v.push(`${name}: runAsNonRoot must be true (pod or container)`);
    if (sc.runAsUser === 0) v.push(`${name}: runAsUser 0`);
    const seccomp = at(sc, 'seccompProfile', 'type') ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${name}: seccompProfile must be RuntimeDefault or Localhost (pod or container)`);
    const drop = (at(sc, 'capabilities', 'drop') ?? []) as string[];
    if (!drop.includes('ALL')) v.push(`${name}: capabilities.drop must include ALL`);
    const add = (at(sc, 'capabilities', 'add') ?? []) as string[];
    for (const cap of add) if (cap !== 'NET_BIND_SERVICE') v.push(`${name}: capability ${cap} added`);
    if (at(sc, 'windowsOptions', 'hostProcess') === true) v.push(`${name}: hostProcess`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') v.push(`${name}: procMount ${String(sc.procMount)}`);
    for (const p of list(c.ports)) if (p.hostPort !== undefined && p.hostPort !== 0) v.push(`${name}: hostPort ${String(p.hostPort)}`);
  }
  return v;
}
