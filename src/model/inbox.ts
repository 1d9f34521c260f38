/**
 * An owner's inbox entry for a dig request that names it: what the package layer makes of a new
 * package and the store keeps, one shape for both.
 */

export type DigRequestType = 'dig' | 'planning' | 'emergency';

/** An owner's entry for one dig request that names it. */
export interface InboxEntry {
  /** The dig request's id. */
  id: string;
  owner: string;
  type: DigRequestType;
  createdAt: string;
  /** When the owner's answer is due (ISO 8601, UTC). */
  deadline: string;
  /** The owner's status in the newest revision of the package. */
  status: string;
  /** The owner's lines in the newest revision. */
  conflicts: number;
  /** When the owner answered (the registry answers at once for an owner whose network it holds); null: open. */
  answeredAt: string | null;
  /** When the missed deadline was noticed (the overdue event); null: not (yet). */
  overdueAt: string | null;
  /** The newest revision of the package. */
  revision: number;
  /** The package's validity. */
  validUntil: string;
  /** The dig area in lon/lat (EPSG:4326), for maps. */
  area: unknown;
}
