/**
 * The package (ledningspakke) as every road gives it: the engine makes it, the store keeps it, the
 * service sends it, `ler dig` writes it and the map page reads it. Types only, with no Node
 * imports, so that the browser's code can import them too.
 */
import type { Extent, Geometry } from '../types.js';

/** The statuses an owner's answer takes here (LER 2.0's terms, verbatim). */
export const STATUS = {
  none: 'ingen ledninger i graveområde',
  delivered: 'ledningsoplysninger udleveret',
  notDelivered: 'ledningsoplysninger udleveres ikke',
  manual: 'udtaget til manuel behandling',
  marking: 'udtaget til påvisning - ledningsoplysninger udleveret',
  markingNotDelivered: 'udtaget til påvisning - ledningsoplysninger udleveres ikke'
} as const;
export type OwnerStatus = (typeof STATUS)[keyof typeof STATUS];

/** The kinds of request: a dig (graveforespørgsel), orientation for planning, emergency repair (uopsætteligt reparationsarbejde). */
export const REQUEST_TYPES = ['dig', 'planning', 'emergency'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** An owner's own answer to a request, as it gave it (besides its status and lines). */
export interface OwnerAnswer {
  at: string;
  /** The key that answered. */
  by: string;
  /** Why the lines are not delivered (`ledningsoplysninger udleveres ikke`). */
  reason: string | null;
  /** When the owner expects to answer (`udtaget til manuel behandling`). */
  expectedAt: string | null;
  /** Until when the answer holds, when the owner says so. */
  validUntil: string | null;
  note: string | null;
}

/** The owner's lines shown on site (påvisning). */
export interface Marking {
  at: string;
  by: string;
  note: string | null;
  recordedAt: string;
}

/** One precaution for a line: a stable code and its text, filled in for the line and its owner. */
export interface Precaution {
  code: string;
  text: string;
}

/** One of an owner's lines in the dig area or its information zone. */
export interface PackageConflict {
  featureId: string | number;
  featureType: string;
  forsyningsart: string | null;
  fareklasse: string | null;
  driftsstatus: string | null;
  zone: 'digArea' | 'infoZone';
  /** Metres from the dig area; 0 where the line touches or crosses it. */
  distance: number;
  /** Half the line's width plus its positional accuracy, metres. */
  margin: number;
  /** Metres of the line inside the dig area. */
  lengthInside: number;
  precautions: Precaution[];
  /** The line cut to what the package may show, in the request's CRS. */
  geometry: Geometry | null;
  /** The line's LER attributes as the owner uploaded them (depth, diameter, sikkerhedshensyn, ...). */
  properties: Record<string, unknown>;
}

/** One owner concerned by a dig: by its lines, or by its interest area alone. */
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
  /** The owner's own answer; absent while the package is the registry's alone. */
  answer?: OwnerAnswer;
  /** The lines shown on site; absent until the owner records it. */
  marking?: Marking;
}

export interface DigPeriod {
  from: string;
  to: string;
}

export interface Package {
  id: string;
  type: RequestType;
  /** Why the work cannot wait (an emergency); null otherwise. */
  reason: string | null;
  /** 1 as answered at once; each owner's answer or marking makes the next. */
  revision: number;
  /** When this revision was made (the request's time for revision 1). */
  revisedAt: string;
  /** The request this one renews, when it does. */
  renewalOf: string | null;
  /** When the owners' answers are due (LER: 2 hours in working hours, else 09:00 the next working day). */
  answerDeadline: string;
  /** What the package may be used for, when limited (a planning request may not be dug by). */
  notice: string | null;
  createdAt: string;
  validUntil: string;
  /** The dig area as given, in the request's CRS. */
  digArea: unknown;
  crs: string;
  infoZone: number;
  areaM2: number;
  workType: string;
  purpose: string | null;
  period: DigPeriod | null;
  /** The whole network's snapshot version; null when no network was loaded. */
  snapshotVersion: number | null;
  /** Every owner's network version the dig was checked against, hit or not. */
  networkVersions: Record<string, number>;
  /** The extent the dig area was checked against, when not Denmark's (`null`: none). */
  extent?: Extent | null;
  owners: PackageOwner[];
}

/** What a dig request asks: the area and, optionally, the zone, the work and the period. */
export interface DigRequestInput {
  type?: unknown;
  reason?: unknown;
  geometry?: unknown;
  crs?: unknown;
  infoZone?: unknown;
  workType?: unknown;
  purpose?: unknown;
  period?: { from?: unknown; to?: unknown } | null;
}
