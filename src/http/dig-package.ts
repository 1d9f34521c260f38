/**
 * A dig request answered: the package (ledningspakke) with one entry per owner concerned and the
 * owner's status in LER's own terms. An owner is concerned when its network lies in the dig area
 * or its information zone (its conflicts, with precautions), or when its interest area comes that
 * near without any of its lines doing so (then: whom to contact).
 */
import { randomUUID } from 'node:crypto';
import { LerError } from '../errors.js';
import type { Engine } from '../engine.js';
import type { ServiceStore } from '../store/store.js';
import type { Conflict, Geometry } from '../types.js';
import { checkInfoZone } from '../query/dig-area.js';
import { checkDigArea } from './dig-area.js';
import type { InterestRegistry } from './interest.js';
import { precautionsFor, workTypesOf, type Precaution, type PrecautionMatrix } from './precautions.js';
import type { ServiceLimits } from './config.js';

/** The statuses an owner's answer takes here (LER 2.0's terms, verbatim). */
export const STATUS = {
  none: 'ingen ledninger i graveområde',
  delivered: 'ledningsoplysninger udleveret',
  marking: 'udtaget til påvisning - ledningsoplysninger udleveret',
  manual: 'udtaget til manuel behandling'
} as const;
export type OwnerStatus = (typeof STATUS)[keyof typeof STATUS];

export interface PackageConflict {
  featureId: string | number;
  featureType: string;
  forsyningsart: string | null;
  fareklasse: string | null;
  driftsstatus: string | null;
  zone: 'digArea' | 'infoZone';
  distance: number;
  margin: number;
  lengthInside: number;
  precautions: Precaution[];
  geometry: Geometry | null;
  /** The line's LER attributes as the owner uploaded them (depth, diameter, sikkerhedshensyn, ...). */
  properties: Record<string, unknown>;
}

export interface PackageOwner {
  owner: string;
  name: string;
  status: OwnerStatus;
  contact: string | null;
  /** The version of the owner's network the answer was built from; null: the owner has uploaded none. */
  networkVersion: number | null;
  /** What the contractor is to do about this owner. */
  message: string;
  conflicts: PackageConflict[];
}

export interface ServicePackage {
  id: string;
  createdAt: string;
  validUntil: string;
  /** The dig area as given, in the request's CRS. */
  digArea: unknown;
  crs: string;
  infoZone: number;
  areaM2: number;
  workType: string;
  purpose: string | null;
  period: { from: string; to: string } | null;
  /** The whole network's snapshot version, and every owner's network version the dig was checked against. */
  snapshotVersion: number | null;
  networkVersions: Record<string, number>;
  owners: PackageOwner[];
}

export interface DigRequestBody {
  geometry?: unknown;
  crs?: unknown;
  infoZone?: unknown;
  workType?: unknown;
  purpose?: unknown;
  period?: { from?: unknown; to?: unknown } | null;
}

export interface PackageContext {
  engine: Engine;
  store: ServiceStore;
  interest: InterestRegistry;
  precautions: PrecautionMatrix;
  limits: ServiceLimits;
  now?: () => Date;
}

const DAY = 86_400_000;

/**
 * Answers a dig request and stores the package under its requester, audited; resolves once both are
 * durable, with the package and its JSON in UTF-8 (written and encoded once, stored and sent as it is).
 */
export async function createPackage(ctx: PackageContext, requester: string, body: DigRequestBody): Promise<{ pkg: ServicePackage; json: Buffer }> {
  const now = (ctx.now ?? (() => new Date()))();
  const infoZone = checkInfoZone(body.infoZone);
  if (infoZone > ctx.limits.maxInfoZone) {
    throw new LerError('INFO_ZONE_OUT_OF_RANGE', { pointer: '/infoZone' }, `This service allows at most ${ctx.limits.maxInfoZone} m (LER_MAX_INFO_ZONE_M).`);
  }
  const workType = body.workType === undefined ? 'excavation' : body.workType;
  const known = workTypesOf(ctx.precautions);
  if (typeof workType !== 'string' || !known.includes(workType)) {
    throw new LerError('WORK_TYPE_UNKNOWN', { pointer: '/workType' }, `Got ${JSON.stringify(workType)}; known: ${known.join(', ')}.`);
  }
  const period = checkPeriod(body.period, now, ctx.limits.maxPeriodDays);
  const area = checkDigArea(body.geometry, body.crs, ctx.limits);

  // One synchronous stretch from here to the query: the snapshot read is the one answered from.
  const snapshot = ctx.engine.snapshot;
  const conflicts: Conflict[] = snapshot === null ? [] : ctx.engine.query(body.geometry, { infoZone, crs: area.crs });
  const networkVersions: Record<string, number> = {};
  if (snapshot !== null) for (const n of snapshot.networks.values()) networkVersions[n.owner] = n.version;
  const hits = ctx.interest.hits(area.prepared, infoZone);

  const byOwner = new Map<string, Conflict[]>();
  for (const c of conflicts) {
    const list = byOwner.get(c.owner);
    if (list) list.push(c);
    else byOwner.set(c.owner, [c]);
  }
  const owners: PackageOwner[] = [];
  for (const [owner, list] of byOwner) {
    const profile = ctx.store.ownerProfile(owner);
    const contact = profile?.contact ?? hits.find((h) => h.owner === owner)?.contacts[0] ?? null;
    const marking = profile?.requiresMarking === true && list.some((c) => c.fareklasse === 'meget farlig');
    owners.push({
      owner,
      name: profile?.name ?? owner,
      status: marking ? STATUS.marking : STATUS.delivered,
      contact,
      networkVersion: networkVersions[owner] ?? null,
      message: marking
        ? 'The owner shows its very dangerous lines on site: agree a time with it and wait for it before digging.'
        : 'The owner\'s lines in the dig area and its information zone are delivered here: follow each line\'s precautions.',
      conflicts: list.map((c) => packageConflict(c, ctx.precautions, workType, contact))
    });
  }
  for (const hit of hits) {
    if (byOwner.has(hit.owner)) continue;
    const profile = ctx.store.ownerProfile(hit.owner);
    const uploaded = networkVersions[hit.owner] !== undefined;
    owners.push({
      owner: hit.owner,
      name: profile?.name ?? hit.owner,
      status: uploaded ? STATUS.none : STATUS.manual,
      contact: profile?.contact ?? hit.contacts.join('; '),
      networkVersion: uploaded ? networkVersions[hit.owner] : null,
      message: uploaded
        ? 'The owner has lines near here (its interest area), none of them in the dig area or its information zone.'
        : `The owner has registered an interest area here (${hit.forsyningsart.join(', ')}) but no network: contact it before digging.`,
      conflicts: []
    });
  }

  const createdAt = now.toISOString();
  const validUntil = period !== null ? new Date(Date.parse(`${period.to}T00:00:00Z`) + DAY - 1).toISOString() : new Date(now.getTime() + ctx.limits.packageValidDays * DAY).toISOString();
  const pkg: ServicePackage = {
    id: randomUUID(),
    createdAt,
    validUntil,
    digArea: body.geometry,
    crs: area.crs,
    infoZone,
    areaM2: Math.round(area.areaM2 * 100) / 100,
    workType,
    purpose: typeof body.purpose === 'string' ? body.purpose : null,
    period,
    snapshotVersion: snapshot?.version ?? null,
    networkVersions,
    owners
  };
  // Stored as the engine stores its own packages (id, digArea, infoZone, crs, networkVersions), so
  // engine.rebuildPackage can answer it again from the same versions.
  const json = Buffer.from(JSON.stringify(pkg));
  await ctx.store.recordDigRequest(pkg.id, requester, json, {
    actor: requester,
    action: 'dig-request.create',
    owner: null,
    detail: {
      id: pkg.id,
      bbox: area.bbox.map((v) => Math.round(v * 100) / 100),
      areaM2: pkg.areaM2,
      infoZone,
      workType,
      snapshotVersion: pkg.snapshotVersion,
      networkVersions,
      owners: owners.map((o) => ({ owner: o.owner, status: o.status, conflicts: o.conflicts.length }))
    }
  });
  return { pkg, json };
}

function packageConflict(c: Conflict, matrix: PrecautionMatrix, workType: string, contact: string | null): PackageConflict {
  return {
    featureId: c.featureId,
    featureType: c.featureType,
    forsyningsart: c.forsyningsart,
    fareklasse: c.fareklasse,
    driftsstatus: c.driftsstatus,
    zone: c.zone,
    distance: c.distance,
    margin: c.margin,
    lengthInside: c.lengthInside,
    precautions: precautionsFor(matrix, c.fareklasse, c.margin, workType, contact),
    geometry: c.geometry ?? null,
    properties: c.properties
  };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkPeriod(period: DigRequestBody['period'], now: Date, maxDays: number): { from: string; to: string } | null {
  if (period === undefined || period === null) return null;
  const from = dateOf(period.from, '/period/from');
  const to = dateOf(period.to, '/period/to');
  if (to < from) throw new LerError('PERIOD_INVALID', { pointer: '/period/to' }, 'The period ends before it begins.');
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  if (to < today) throw new LerError('PERIOD_INVALID', { pointer: '/period/to' }, 'The period is over.');
  const days = (to - from) / DAY + 1;
  if (days > maxDays) throw new LerError('PERIOD_INVALID', { pointer: '/period' }, `It lasts ${days} days; at most ${maxDays} are allowed (LER_MAX_PERIOD_DAYS).`);
  return { from: String(period.from), to: String(period.to) };
}

function dateOf(value: unknown, pointer: string): number {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  const t = m ? Date.parse(`${value as string}T00:00:00Z`) : Number.NaN;
  // Date.parse rolls 2025-02-30 over; a real date prints back as itself.
  if (!m || !Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== value) {
    throw new LerError('PERIOD_INVALID', { pointer }, `Got ${JSON.stringify(value)}; a date is YYYY-MM-DD.`);
  }
  return t;
}
