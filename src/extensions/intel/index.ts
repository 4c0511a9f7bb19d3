export { DEMO_LIST_ENTRIES } from './demo-list.ts';
export { domainSuffixes, inferIndicatorType, normalizeIndicator, parseIpv4Cidr } from './indicator-match.ts';
export { DEFAULT_LIST_SCORES, parseCsvList, parseTxtList } from './list-parser.ts';
export type { ListEntry, ListVerdict, ParsedList } from './list-parser.ts';
export { LocalListIntelProvider } from './local-list.provider.ts';
export type { FromFolderOptions, ListHit, ListMatch, LocalListOptions } from './local-list.provider.ts';
