import type { Rng, Tenant } from './random.ts';

export type Label = 'malicious' | 'suspicious' | 'benign' | 'inconclusive';

export interface IntelEntry {
  type?: string;
  value: string;
  verdict: 'malicious' | 'suspicious' | 'benign';
  list?: string;
  description?: string;
}

/** One dataset line before its split is assigned. */
export interface Case {
  id: string;
  source: string;
  payload: unknown;
  expected: { classification: Label; incident_type?: string };
  intel?: IntelEntry[];
  /** Why an analyst would label it so (kept in the file for reviewers). */
  note: string;
}

/** A scenario builds one case from a seeded generator and the tenant it happens in. */
export type Scenario = (r: Rng, t: Tenant, n: number) => Omit<Case, 'id'>;

/** Intel helpers: what the SOC's feeds and allowlists say. */
export const torExit = (ip: string): IntelEntry => ({
  type: 'ipv4',
  value: ip,
  verdict: 'malicious',
  list: 'tor-exit-nodes',
});
export const badIpIntel = (ip: string): IntelEntry => ({
  type: 'ipv4',
  value: ip,
  verdict: 'malicious',
  list: 'threatfeed-ips',
});
export const corpEgress = (t: Tenant): IntelEntry => ({
  type: 'ipv4',
  value: t.egress,
  verdict: 'benign',
  list: 'corp-egress',
  description: `${t.org} office and VPN egress`,
});
export const badHash = (h: string, family = 'malware'): IntelEntry => ({
  value: h,
  verdict: 'malicious',
  list: 'malware-hashes',
  description: family,
});
export const goodHash = (h: string, what = 'approved software'): IntelEntry => ({
  value: h,
  verdict: 'benign',
  list: 'approved-software',
  description: what,
});
export const badDomain = (d: string): IntelEntry => ({
  type: 'domain',
  value: d,
  verdict: 'malicious',
  list: 'phishing-domains',
});
export const goodDomain = (d: string): IntelEntry => ({
  type: 'domain',
  value: d,
  verdict: 'benign',
  list: 'trusted-domains',
});
