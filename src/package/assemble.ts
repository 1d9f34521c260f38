/**
 * A package assembled: a pure function of a dig's conflicts, the owners' profiles, the interest
 * areas it meets and the precaution matrix. An owner is concerned when its network lies in the
 * dig area or its information zone (its lines, each with precautions), or when its interest area
 * comes that near without any of its lines doing so (then: whom to contact).
 */
import type { OwnerProfile } from '../model/owner.js';
import type { Conflict } from '../types.js';
import type { InterestHit } from './interest.js';
import { precautionsFor, type PrecautionMatrix } from './precautions.js';
import type { DigTerms } from './terms.js';
import { STATUS, type Package, type PackageConflict, type PackageOwner, type RequestType } from './types.js';

export interface PackageParts {
  id: string;
  createdAt: string;
  terms: DigTerms;
  /** When the owners' answers are due. */
  answerDeadline: string;
  /** The request this one renews. */
  renewalOf?: string | null;
  /** The dig area as given, in the request's CRS, and what it was checked as. */
  digArea: unknown;
  crs: string;
  areaM2: number;
  /** Set when the area was checked against another extent than Denmark's. */
  extent?: Package['extent'];
  /** Every conflict of the dig, sorted by owner (as NetworkIndex.query answers). */
  conflicts: readonly Conflict[];
  /** Owners whose interest areas the dig meets, sorted by owner. */
  hits: readonly InterestHit[];
  snapshotVersion: number | null;
  networkVersions: Record<string, number>;
  profile: (owner: string) => OwnerProfile | null;
  precautions: PrecautionMatrix;
}

const MESSAGES = {
  marking: 'The owner shows its very dangerous lines on site: agree a time with it and wait for it before digging.',
  delivered: 'The owner\'s lines in the dig area and its information zone are delivered here: follow each line\'s precautions.',
  none: 'The owner has lines near here (its interest area), none of them in the dig area or its information zone.',
  manual: (kinds: string[]): string => `The owner has registered an interest area here (${kinds.join(', ')}) but no network: contact it before digging.`
};

/** What a package of each type may be used for. */
export const NOTICES: Record<RequestType, string | null> = {
  dig: null,
  planning: 'Orientation for planning and design only: this package may not be used for digging. Make a dig request before the work.',
  emergency: 'Emergency repair (uopsætteligt reparationsarbejde): the owners are told with priority; the emergency must be justified to them afterwards.'
};

export function assemblePackage(parts: PackageParts): Package {
  const { terms, networkVersions } = parts;
  const byOwner = new Map<string, Conflict[]>();
  for (const c of parts.conflicts) {
    const list = byOwner.get(c.owner);
    if (list) list.push(c);
    else byOwner.set(c.owner, [c]);
  }
  const owners: PackageOwner[] = [];
  for (const [owner, list] of byOwner) {
    const profile = parts.profile(owner);
    const contact = profile?.contact ?? parts.hits.find((h) => h.owner === owner)?.contacts[0] ?? null;
    const marking = profile?.requiresMarking === true && list.some((c) => c.fareklasse === 'meget farlig');
    owners.push({
      owner,
      name: profile?.name ?? owner,
      status: marking ? STATUS.marking : STATUS.delivered,
      contact,
      networkVersion: networkVersions[owner] ?? null,
      message: marking ? MESSAGES.marking : MESSAGES.delivered,
      conflicts: list.map((c) => packageConflict(c, parts.precautions, terms.workType, contact))
    });
  }
  for (const hit of parts.hits) {
    if (byOwner.has(hit.owner)) continue;
    const profile = parts.profile(hit.owner);
    const uploaded = networkVersions[hit.owner] !== undefined;
    owners.push({
      owner: hit.owner,
      name: profile?.name ?? hit.owner,
      status: uploaded ? STATUS.none : STATUS.manual,
      contact: profile?.contact ?? hit.contacts.join('; '),
      networkVersion: uploaded ? networkVersions[hit.owner] : null,
      message: uploaded ? MESSAGES.none : MESSAGES.manual(hit.forsyningsart),
      conflicts: []
    });
  }
  return {
    id: parts.id,
    type: terms.type,
    reason: terms.reason,
    revision: 1,
    revisedAt: parts.createdAt,
    renewalOf: parts.renewalOf ?? null,
    answerDeadline: parts.answerDeadline,
    notice: NOTICES[terms.type],
    createdAt: parts.createdAt,
    validUntil: terms.validUntil,
    digArea: parts.digArea,
    crs: parts.crs,
    infoZone: terms.infoZone,
    areaM2: Math.round(parts.areaM2 * 100) / 100,
    workType: terms.workType,
    purpose: terms.purpose,
    period: terms.period,
    snapshotVersion: parts.snapshotVersion,
    networkVersions,
    ...(parts.extent !== undefined ? { extent: parts.extent } : {}),
    owners
  };
}

export function packageConflict(c: Conflict, matrix: PrecautionMatrix, workType: string, contact: string | null): PackageConflict {
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

/** The audit entry's detail of a dig request: who was told what, from which versions. */
export function auditDetail(pkg: Package, bbox: readonly number[]): Record<string, unknown> {
  return {
    id: pkg.id,
    bbox: bbox.map((v) => Math.round(v * 100) / 100),
    areaM2: pkg.areaM2,
    infoZone: pkg.infoZone,
    workType: pkg.workType,
    type: pkg.type,
    snapshotVersion: pkg.snapshotVersion,
    networkVersions: pkg.networkVersions,
    owners: pkg.owners.map((o) => ({ owner: o.owner, status: o.status, conflicts: o.conflicts.length }))
  };
}
