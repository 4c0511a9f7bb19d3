import { isObject, str } from '../read.ts';
import type { AlertDraft } from './draft.ts';

type FieldKind = 'ip' | 'host' | 'domain' | 'url' | 'hash' | 'email' | 'user' | 'cloud';

const KEYS: Readonly<Record<FieldKind, string>> = {
  ip:
    'ip ipaddress ip_address src_ip source_ip srcip sourceip dst_ip dest_ip destination_ip dstip remote_ip remoteip ' +
    'client_ip clientip remote_addr attacker_ip external_ip public_ip sender_ip ipv4 ipv6 ip_addr ' +
    // Vendor exports: Azure/M365 (caller, actor, client), CloudTrail, Falcon FDR (`RemoteAddressIP4`, `aip`).
    'caller_ip_address client_ip_address client_ipaddress actor_ip_address source_ip_address source_ipaddress ' +
    'remote_address_ip4 remote_address_ip6 local_address_ip4 local_address_ip6 aip',
  host: 'src dest dst host hostname host_name src_host dest_host dst_host computer computer_name computername device_name workstation dvc dest_nt_host',
  domain: 'domain domain_name fqdn dns_query query qname sender_domain url_domain',
  url: 'url uri link http_url full_url request_url http_referrer referrer',
  hash:
    'hash file_hash filehash md5 sha1 sha256 hash_md5 hash_sha1 hash_sha256 process_hash ' +
    'sha256_hash_data sha1_hash_data md5_hash_data',
  email: 'email email_address sender recipient recipients from to mail_from rcpt_to src_user_email',
  user: 'user username user_name account account_name src_user dest_user target_user login principal upn user_principal_name',
  cloud: 'instance_id instanceid arn resource_arn resource_id access_key_id accesskeyid',
};

const KIND_OF = new Map<string, FieldKind>();
/** The same names without separators, for keys whose case was flattened (`userprincipalname`). */
const KIND_OF_FLAT = new Map<string, FieldKind>();
for (const [kind, names] of Object.entries(KEYS) as Array<[FieldKind, string]>) {
  for (const name of names.split(/\s+/)) {
    KIND_OF.set(name, kind);
    KIND_OF_FLAT.set(name.replace(/_/g, ''), kind);
  }
}

const MAX_DEPTH = 8;
const MAX_NODES = 5_000;

/** The typed kind of a key (`srcIP`, `src-ip` and `src_ip` all read as `src_ip`). */
export function fieldKind(key: string): FieldKind | undefined {
  if (key.length > 64) return undefined;
  const k = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_');
  return KIND_OF.get(k) ?? KIND_OF_FLAT.get(k.replace(/_/g, ''));
}

/**
 * Keys whose values are identifiers (`id`, `tenantId`, Falcon's `aid`/`cid`): a 32-hex agent id or a
 * GUID there is not a hash or an indicator, so their strings are not pattern-scanned.
 */
export function isIdentifierKey(key: string): boolean {
  if (key.length > 64) return false;
  const k = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return /(^|[^a-z])(id|uuid|guid|aid|cid)$/.test(k);
}

/**
 * An address without its port: Exchange audit records log `ClientIP` as `81.2.69.165:51234` or
 * `[2a0d:5600:24:a3::1]:51234`.
 */
export function withoutPort(value: string): string {
  const v6 = /^\[([0-9a-f:.]{2,45})\](?::\d{1,5})?$/i.exec(value);
  if (v6) return v6[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(value);
  return v4 ? v4[1]! : value;
}

/** Add the value of a typed field to the draft. */
export function addTyped(draft: AlertDraft, kind: FieldKind, value: string, path: string): void {
  switch (kind) {
    case 'ip':
      draft.host(withoutPort(value), path);
      return;
    case 'host':
      draft.host(value, path);
      return;
    case 'domain':
      draft.add('domain', value, path);
      return;
    case 'url':
      draft.add('url', value, path);
      draft.text(value, path); // a defanged or scheme-less value still yields its host
      return;
    case 'hash':
      draft.hash(value, path);
      return;
    case 'email':
      draft.add('email', value, path);
      return;
    case 'user':
      draft.user(value, path);
      return;
    case 'cloud':
      draft.add('cloud_resource', value, path);
      return;
  }
}

/**
 * Walk a free-form object (generic `data`, manual `raw_data`, a Splunk result row): fields whose
 * key names a type (`src_ip`, `sha256`, `username`…) are read as that type, every other string is
 * pattern-scanned. Depth and node count are bounded.
 * @param skip keys not to read at the top level (already handled by the caller)
 */
export function scanObject(
  draft: AlertDraft,
  root: unknown,
  rootPath: string,
  skip: ReadonlySet<string> = new Set(),
): void {
  const stack: Array<{
    value: unknown;
    path: string;
    depth: number;
    kind?: FieldKind | undefined;
    identifier?: boolean;
  }> = [{ value: root, path: rootPath, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0 && nodes++ < MAX_NODES) {
    const { value, path, depth, kind, identifier } = stack.pop()!;
    if (typeof value === 'string' || typeof value === 'number') {
      const s = str(value, 65_536);
      if (s === undefined) continue;
      if (kind) addTyped(draft, kind, s, path);
      else if (typeof value === 'string' && !identifier) draft.text(s, path);
      continue;
    }
    if (depth >= MAX_DEPTH) continue;
    if (Array.isArray(value)) {
      for (let i = Math.min(value.length, 200) - 1; i >= 0; i--) {
        stack.push({ value: value[i], path: `${path}[]`, depth: depth + 1, kind, identifier });
      }
    } else if (isObject(value)) {
      // Sorted, so what is found (and which asset comes first) never depends on the sender's key order.
      const keys = Object.keys(value).sort().slice(0, 500).reverse();
      for (const key of keys) {
        if (depth === 0 && skip.has(key)) continue;
        const kind = fieldKind(key);
        stack.push({
          value: value[key],
          path: path ? `${path}.${key}` : key,
          depth: depth + 1,
          kind,
          identifier: kind === undefined && isIdentifierKey(key),
        });
      }
    }
  }
}
