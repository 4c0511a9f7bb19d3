/** Seeded randomness and value pools for the evaluation dataset generator (reproducible output). */

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** mulberry32: small, fast, good enough for test data. */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += Math.floor(this.next() * 16).toString(16);
    return s;
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  /** An ISO time on 2024-06-10..2024-06-20 during working hours (UTC). */
  time(): string {
    const d = new Date(
      Date.UTC(
        2024,
        5,
        this.int(10, 20),
        this.int(6, 19),
        this.int(0, 59),
        this.int(0, 59),
        this.int(0, 999),
      ),
    );
    return d.toISOString();
  }
}

export const FIRST = [
  'alice',
  'bob',
  'carol',
  'dana',
  'erin',
  'frank',
  'grace',
  'hiro',
  'ines',
  'jamal',
  'kofi',
  'lena',
  'mateo',
  'nadia',
  'omar',
  'priya',
  'quinn',
  'rosa',
  'sven',
  'tariq',
  'uma',
  'viktor',
  'wen',
  'yara',
  'zoe',
];
export const LAST = [
  'martin',
  'keller',
  'diaz',
  'whitfield',
  'cho',
  'liu',
  'hopper',
  'tanaka',
  'garcia',
  'haddad',
  'mensah',
  'novak',
  'silva',
  'petrov',
  'osei',
  'sharma',
  'byrne',
  'costa',
  'larsen',
  'aziz',
  'kapoor',
  'ivanova',
  'zhang',
  'fischer',
  'moreau',
];

/** Tenants: their domain and the corporate egress range the SOC allowlists. */
export const TENANTS = [
  { domain: 'contoso.com', egress: '81.2.69.160/28', base: '81.2.69.', from: 161, to: 174, org: 'Contoso' },
  { domain: 'northwind.io', egress: '52.174.20.0/28', base: '52.174.20.', from: 1, to: 14, org: 'Northwind' },
  {
    domain: 'fabrikam.net',
    egress: '62.210.18.32/28',
    base: '62.210.18.',
    from: 33,
    to: 46,
    org: 'Fabrikam',
  },
  {
    domain: 'example.org',
    egress: '93.184.220.64/28',
    base: '93.184.220.',
    from: 65,
    to: 78,
    org: 'Example',
  },
] as const;
export type Tenant = (typeof TENANTS)[number];

/** Address ranges of Tor exits and abused hosting providers (what a threat feed would list). */
export const BAD_NETS = [
  '185.220.101.',
  '185.220.102.',
  '45.155.205.',
  '193.142.146.',
  '103.251.167.',
  '91.219.236.',
  '194.26.192.',
  '141.98.10.',
  '5.188.206.',
  '80.94.95.',
];
/** Residential and cloud ranges nobody has an opinion about. */
export const UNKNOWN_NETS = [
  '77.111.',
  '89.187.',
  '176.31.',
  '37.120.',
  '212.102.',
  '151.80.',
  '86.106.',
  '109.70.',
  '24.48.',
  '73.162.',
];

export const CITIES = [
  { city: 'Amsterdam', state: 'North Holland', country: 'Netherlands', cc: 'NL', lat: 52.37, lon: 4.89 },
  { city: 'Frankfurt am Main', state: 'Hesse', country: 'Germany', cc: 'DE', lat: 50.11, lon: 8.68 },
  { city: 'Seattle', state: 'Washington', country: 'United States', cc: 'US', lat: 47.61, lon: -122.33 },
  { city: 'London', state: 'England', country: 'United Kingdom', cc: 'GB', lat: 51.51, lon: -0.13 },
  { city: 'Lagos', state: 'Lagos', country: 'Nigeria', cc: 'NG', lat: 6.52, lon: 3.38 },
  { city: 'Bucharest', state: 'Bucuresti', country: 'Romania', cc: 'RO', lat: 44.43, lon: 26.1 },
  { city: 'Singapore', state: 'Singapore', country: 'Singapore', cc: 'SG', lat: 1.35, lon: 103.82 },
  { city: 'Toronto', state: 'Ontario', country: 'Canada', cc: 'CA', lat: 43.65, lon: -79.38 },
];

export const BROWSER_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
];
export const TOOL_UAS = [
  'python-requests/2.31.0',
  'curl/8.4.0',
  'Go-http-client/1.1',
  'axios/1.6.8',
  'okhttp/4.12.0',
];

/** Lookalike and throwaway domains for phishing and C2. */
export const BAD_DOMAINS = [
  'login-micros0ft-secure.com',
  'docusign-review-portal.net',
  'sharepoint-files-view.com',
  'okta-sso-verify.co',
  'update-cdn-service.net',
  'invoice-archive-dl.com',
  'secure-mail-auth.info',
  'paypa1-resolution.com',
  'cdn-telemetry-sync.org',
  'hr-benefits-portal.net',
];
export const GOOD_DOMAINS = [
  'microsoft.com',
  'office.com',
  'google.com',
  'salesforce.com',
  'zoom.us',
  'slack.com',
  'atlassian.net',
  'box.com',
  'github.com',
  'windowsupdate.com',
];
export const FREEMAIL = ['proton.me', 'gmail.com', 'outlook.com', 'tutanota.com', 'yandex.com', 'gmx.net'];

export function person(r: Rng, t: Tenant): { email: string; name: string; first: string; last: string } {
  const first = r.pick(FIRST);
  const last = r.pick(LAST);
  return { email: `${first}.${last}@${t.domain}`, name: `${cap(first)} ${cap(last)}`, first, last };
}
export const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
export const badIp = (r: Rng): string => `${r.pick(BAD_NETS)}${r.int(2, 254)}`;
export const unknownIp = (r: Rng): string => `${r.pick(UNKNOWN_NETS)}${r.int(1, 254)}.${r.int(2, 254)}`;
export const corpIp = (r: Rng, t: Tenant): string => `${t.base}${r.int(t.from, t.to)}`;
export const epochMs = (iso: string): number => Date.parse(iso);
