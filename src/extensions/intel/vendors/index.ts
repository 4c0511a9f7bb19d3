export { VENDOR_PROTOCOLS } from './catalog.ts';
export type { VendorEntry, VendorKind } from './catalog.ts';
export { fetchBounded, RateLimitedError, retryAfterMs } from './feed-http.ts';
export { GREYNOISE_DEFAULTS, greyNoiseProtocol } from './greynoise.ts';
export type { GreyNoiseConfig } from './greynoise.ts';
export { MISP_DEFAULTS, mispProtocol } from './misp.ts';
export type { MispConfig } from './misp.ts';
export { OTX_DEFAULTS, otxProtocol } from './otx.ts';
export type { OtxConfig } from './otx.ts';
export { StixFeedIndex } from './stix-feed-index.ts';
export { StixFeedIntelProvider } from './stix-feed.provider.ts';
export type { StixFeedOptions, StixFeedSource, StixPollReport } from './stix-feed.provider.ts';
export { readStixObject } from './stix-indicator.ts';
export type { FeedIndicator, FeedObjectOutcome } from './stix-indicator.ts';
export { MAX_PATTERN_LENGTH, parseStixPattern } from './stix-pattern.ts';
export type { StixPatternResult, StixPatternValue } from './stix-pattern.ts';
export {
  parseStixBundle,
  parseTaxiiPage,
  TAXII_MEDIA_TYPE,
  taxiiAuthHeaders,
  taxiiObjectsRequest,
} from './taxii.ts';
export type { TaxiiConfig, TaxiiCursor, TaxiiPage } from './taxii.ts';
export { THREATFOX_DEFAULTS, threatFoxProtocol } from './threatfox.ts';
export type { ThreatFoxConfig } from './threatfox.ts';
export { URLHAUS_DEFAULTS, urlhausProtocol } from './urlhaus.ts';
export type { UrlhausConfig } from './urlhaus.ts';
