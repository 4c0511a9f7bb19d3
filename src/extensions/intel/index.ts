export { DEMO_LIST_ENTRIES } from './demo-list.ts';
export { domainSuffixes, inferIndicatorType, normalizeIndicator, parseIpv4Cidr } from './indicator-match.ts';
export { DEFAULT_LIST_SCORES, parseCsvList, parseTxtList } from './list-parser.ts';
export type { ListEntry, ListVerdict, ParsedList } from './list-parser.ts';
export { LocalListIntelProvider } from './local-list.provider.ts';
export type { FromFolderOptions, ListHit, ListMatch, LocalListOptions } from './local-list.provider.ts';
export { CircuitBreaker } from './http/circuit-breaker.ts';
export type { CircuitBreakerOptions } from './http/circuit-breaker.ts';
export { HttpIntelProvider, IntelLookupError, retryAfterMs } from './http/http-intel.provider.ts';
export type { HttpIntelProviderOptions } from './http/http-intel.provider.ts';
export { IntelProtocolError } from './http/vendor-protocol.ts';
export type {
  IntelHttpRequest,
  IntelHttpResponse,
  IntelResult,
  VendorConfig,
  VendorProtocol,
} from './http/vendor-protocol.ts';
export {
  IntelConfigError,
  IntelProviderRegistry,
  defaultIntelRegistry,
  httpVendor,
  localListsFactory,
} from './registry.ts';
export type {
  HttpVendorDefaults,
  IntelProviderContext,
  IntelProviderFactory,
  IntelProviderSettings,
} from './registry.ts';
export { ABUSEIPDB_BASE_URL, ABUSEIPDB_MAX_AGE_DAYS, abuseIpDbProtocol } from './vendors/abuseipdb.ts';
export { VIRUSTOTAL_BASE_URL, VT_MALICIOUS_ENGINES, virusTotalProtocol } from './vendors/virustotal.ts';
