/**
 * ler-engine: exact dig-area conflicts over LER 2.0 utility networks.
 *
 * ```ts
 * import { NetworkIndex } from 'ler-engine';
 * const index = NetworkIndex.build(featureCollection, { owner: 'dk-el' });
 * const conflicts = index.query(digArea, { infoZone: 2 });
 * ```
 */
export { NetworkIndex } from './index/network-index.js';
export type { SnapshotBuffers, MemoryReport } from './index/network-index.js';
export type { NetworkColumns } from './index/columns.js';
export type { PairResult } from './query/search.js';
export { ZONE_DIG_AREA, ZONE_INFO_ZONE } from './query/search.js';
export { LerError, ErrorCodes } from './errors.js';
export type { ErrorCode, ErrorLocation } from './errors.js';
export * from './model/ler.js';
export { marginOf, accuracyOf } from './model/margin.js';
export { DENMARK_EXTENT, normaliseCrs } from './crs/index.js';
export type * from './types.js';
export { Engine } from './engine.js';
export type { EngineOptions, BatchOptions, OwnerNetwork, Snapshot, AreaSummary, BatchProgress, DigPackage } from './engine.js';
export type { DangerousLine } from './batch/summary.js';
export { SqliteStore } from './store/sqlite.js';
export type { SqliteStoreOptions } from './store/sqlite.js';
export type { Store, NetworkVersionRecord, AuditEvent, ApiKeyRecord } from './store/store.js';
export { RuleReport } from './rules/report.js';
export type { Problem, ReportSummary } from './rules/report.js';
export { RULES, rulesMarkdown } from './rules/catalogue.js';
export type { Rule, Severity } from './rules/catalogue.js';
export { NetworkBuilder } from './index/network-index.js';
export { buildFromStream } from './ingest/upload.js';
export type { StreamBuild, StreamBuildOptions } from './ingest/upload.js';
export { splitFeatures } from './ingest/split.js';
export type { SplitFeature, SplitHeader, SplitOptions } from './ingest/split.js';
