/** Moved to the port (src/ports/intel-provider.port.ts); kept so existing imports resolve. */
export type { IntelProvider, IntelVerdict } from '../../ports/index.ts';
