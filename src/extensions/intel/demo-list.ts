import type { ListEntry } from './list-parser.ts';

/**
 * The small built-in demo list (config `intel.demo_list`, default on): enough known-bad and
 * allowlisted indicators for the demo alerts and tests to produce every verdict. Not real intel.
 */
export const DEMO_LIST_ENTRIES: readonly ListEntry[] = Object.freeze([
  // Tor exit / scanner addresses, one as a range.
  { list: 'tor-exit-demo', value: '185.220.101.47', verdict: 'malicious', description: 'Tor exit node' },
  {
    list: 'tor-exit-demo',
    value: '185.220.101.0/24',
    verdict: 'malicious',
    description: 'Tor exit node range',
  },
  {
    list: 'tor-exit-demo',
    value: '45.155.205.233',
    verdict: 'malicious',
    description: 'Tor exit node, mass scanner',
  },
  // Phishing and malware-delivery domains.
  {
    list: 'phishing-domains-demo',
    value: 'login-micros0ft-secure.com',
    verdict: 'malicious',
    description: 'Microsoft 365 credential phishing',
  },
  {
    list: 'malware-domains-demo',
    value: 'update-flashplayer.net',
    verdict: 'malicious',
    description: 'Fake Flash Player update, malware delivery',
  },
  // File hashes.
  {
    list: 'malware-hashes-demo',
    type: 'sha256',
    value: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    verdict: 'malicious',
    score: 0.95,
    description: 'Demo trojan dropper',
  },
  {
    list: 'malware-hashes-demo',
    type: 'md5',
    value: '44d88612fea8a8f36de82e1278abb02f',
    verdict: 'malicious',
    score: 0.99,
    description: 'EICAR anti-malware test file',
  },
  // Legitimate services commonly abused for exfiltration and staging.
  {
    list: 'abused-services-demo',
    value: 'pastebin.com',
    verdict: 'suspicious',
    description: 'Paste site often used for exfiltration',
  },
  // Allowlist.
  { list: 'allowlist-demo', value: '8.8.8.8', verdict: 'clean', description: 'Google Public DNS' },
  { list: 'allowlist-demo', value: '1.1.1.1', verdict: 'clean', description: 'Cloudflare DNS' },
  { list: 'allowlist-demo', value: 'microsoft.com', verdict: 'clean', description: 'Microsoft' },
  { list: 'allowlist-demo', value: 'google.com', verdict: 'clean', description: 'Google' },
  { list: 'allowlist-demo', value: 'okta.com', verdict: 'clean', description: 'Okta' },
] satisfies ListEntry[]);
