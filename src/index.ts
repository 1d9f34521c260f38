export { LerError, ErrorCodes } from './errors.js';
export type { ErrorCode, ErrorLocation } from './errors.js';
export * from './model/ler.js';
export { marginOf, accuracyOf } from './model/margin.js';
export type * from './types.js';
