/**
 * The service's answers as the page reads them, each defined once, where the service defines it:
 * the package by the shared package types (src/package/types.ts, which the service builds it
 * with), the rest by the OpenAPI document the service serves (openapi.d.ts, generated from the
 * routes' schemas). Types only: nothing here reaches the bundle, and the page imports nothing
 * else from src/ (eslint.config.js).
 */
import type { Answer, Line } from './api';

export type { Package as DigPackage, PackageConflict, PackageOwner, Precaution, OwnerStatus } from '../../src/package/types';

/** GET /v1/me. */
export type Me = Answer<'/v1/me', 'GET'>;
export type Role = Me['role'];

/** GET /v1/map/config. */
export type MapConfig = Answer<'/v1/map/config', 'GET'>;

/** POST /v1/batches, GET /v1/batches/{id}. */
export type BatchView = Answer<'/v1/batches/{id}', 'GET'>;

/** One line of GET /v1/batches/{id}/results. */
export type AreaSummary = Line<'/v1/batches/{id}/results'>;

/** PUT /v1/owners/{owner}/network. */
export type UploadAnswer = Answer<'/v1/owners/{owner}/network', 'PUT'>;
/** An upload's rule report (also in the problem of a rejected upload). */
export type RuleReport = UploadAnswer['report'];
export type ReportProblem = RuleReport['problems'][number];

/** One owner of GET /v1/owners. */
export type OwnerListing = Answer<'/v1/owners', 'GET'>[number];

/** One rule of GET /v1/rules. */
export type Rule = Answer<'/v1/rules', 'GET'>[number];
