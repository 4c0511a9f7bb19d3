import type { VendorConfig, VendorProtocol } from '../http/vendor-protocol.ts';
import { GREYNOISE_DEFAULTS, greyNoiseProtocol } from './greynoise.ts';
import { MISP_DEFAULTS, mispProtocol } from './misp.ts';
import { OTX_DEFAULTS, otxProtocol } from './otx.ts';
import { THREATFOX_DEFAULTS, threatFoxProtocol } from './threatfox.ts';
import { URLHAUS_DEFAULTS, urlhausProtocol } from './urlhaus.ts';

/** One per-indicator vendor: its protocol and the config defaults a provider entry is overlaid on. */
export interface VendorEntry<C extends VendorConfig> {
  protocol: VendorProtocol<C>;
  /** Defaults for optional fields; `base_url` is absent where the vendor has no public one (MISP). */
  defaults: Readonly<Partial<C>>;
  /** True when the vendor refuses requests without `api_key`. */
  requiresKey: boolean;
}

/**
 * The per-indicator vendors of this folder by provider kind, for the provider registry to look up
 * (the STIX/TAXII feed is a provider of its own: {@link StixFeedIntelProvider}).
 */
export const VENDOR_PROTOCOLS = {
  otx: entry({ protocol: otxProtocol, defaults: OTX_DEFAULTS, requiresKey: true }),
  urlhaus: entry({ protocol: urlhausProtocol, defaults: URLHAUS_DEFAULTS, requiresKey: true }),
  threatfox: entry({ protocol: threatFoxProtocol, defaults: THREATFOX_DEFAULTS, requiresKey: true }),
  greynoise: entry({ protocol: greyNoiseProtocol, defaults: GREYNOISE_DEFAULTS, requiresKey: false }),
  misp: entry({ protocol: mispProtocol, defaults: MISP_DEFAULTS, requiresKey: true }),
} as const;

/** Checks an entry's defaults against its protocol's config type. */
function entry<C extends VendorConfig>(e: VendorEntry<C>): VendorEntry<C> {
  return e;
}

export type VendorKind = keyof typeof VENDOR_PROTOCOLS;
