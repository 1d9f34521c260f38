/**
 * ler-engine as a library: exact dig-area conflicts and packages over LER 2.0 utility networks.
 *
 * ```ts
 * import { Engine } from 'ler-engine';
 * const engine = new Engine({ workers: 0 });
 * engine.putNetwork('dk-el', featureCollection);
 * const { pkg } = await engine.digRequest({ geometry: digArea, infoZone: 2 });
 * ```
 */
export { NetworkIndex } from './index/network-index.js';
export type { SnapshotBuffers, MemoryReport } from './index/network-index.js';
export type { NetworkColumns } from './index/columns.js';
export type { PairResult } from './index/search.js';
export { ZONE_DIG_AREA, ZONE_INFO_ZONE } from './index/search.js';
export { LerError, ErrorCodes } from './errors.js';
export type { ErrorCode, ErrorLocation } from './errors.js';
export * from './model/ler.js';
export { marginOf, accuracyOf } from './model/margin.js';
export { DENMARK_EXTENT, normaliseCrs } from './crs/index.js';
export type * from './types.js';
export { Engine } from './engine.js';
export type { EngineOptions, BatchOptions, ChangeAudit, DigAnswer, OwnerNetwork, Snapshot, AreaSummary, BatchProgress } from './engine.js';
export type { Package, PackageOwner, PackageConflict, Precaution, OwnerStatus, DigRequestInput } from './package/types.js';
export { STATUS } from './package/types.js';
export { DEFAULT_PRECAUTIONS, WORK_TYPES } from './package/precautions.js';
export type { PrecautionMatrix } from './package/precautions.js';
export { DEFAULT_DIG_LIMITS } from './package/terms.js';
export type { DigLimits } from './package/terms.js';
export { AreaReader, readArea, checkInfoZone } from './query/area-reader.js';
export type { AreaReadOptions, ReadArea } from './query/area-reader.js';
export { PreparedArea } from './geometry/index.js';
export type { DangerousLine } from './batch/summary.js';
export { SqliteStore } from './store/sqlite.js';
export type { SqliteStoreOptions } from './store/sqlite.js';
export { PostgresStore } from './store/postgres.js';
export type { PostgresStoreOptions } from './store/postgres.js';
export type { Store, NetworkVersionRecord, AuditEvent, AuditInput, ApiKeyRecord, OwnerProfile } from './store/store.js';
export { RuleReport } from './rules/report.js';
export type { Problem, ReportSummary } from './rules/report.js';
export { RULES, rulesMarkdown } from './rules/catalogue.js';
export type { Rule, Severity } from './rules/catalogue.js';
export { NetworkBuilder, buildNetwork, applyChanges } from './ingest/network-builder.js';
export { buildFromStream } from './ingest/upload.js';
export type { RemovalGuard } from './ingest/removal.js';
export { DEFAULT_PROPERTY_LIMITS } from './input/property-limits.js';
export type { PropertyLimits } from './input/property-limits.js';
export type { StreamBuild, StreamBuildOptions } from './ingest/upload.js';
export { splitFeatures } from './ingest/split.js';
export type { SplitFeature, SplitHeader, SplitOptions } from './ingest/split.js';
