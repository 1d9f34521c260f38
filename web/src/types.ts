/** The service's answers as the page reads them (see the OpenAPI document at /openapi.json). */
import type { Geometry, MultiPolygon, Polygon } from 'geojson';

export type Role = 'admin' | 'owner' | 'contractor' | 'planner';

export interface Me {
  id: string;
  role: Role;
  owner: string | null;
  name: string | null;
}

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
  precautions: { code: string; text: string }[];
  geometry: Geometry | null;
}

export interface PackageOwner {
  owner: string;
  name: string;
  status: string;
  contact: string | null;
  networkVersion: number | null;
  message?: string;
  conflicts: PackageConflict[];
}

export interface DigPackage {
  id: string;
  createdAt: string;
  validUntil: string;
  digArea: Polygon | MultiPolygon;
  crs: string;
  infoZone: number;
  areaM2: number;
  workType: string;
  owners: PackageOwner[];
}

export interface BatchView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  results: number;
  progress: { done: number; failed: number; total: number | null; elapsedSeconds: number; rate: number; etaSeconds: number | null } | null;
  error: { code: string; message: string; pointer?: string } | null;
}

export interface AreaSummary {
  index: number;
  id: string | number | null;
  stretch?: { from: number; to: number };
  version: number;
  status: 'ok' | 'failed';
  error?: { code: string; message: string; pointer?: string };
  conflictCount: number;
  inDigArea: number;
  inInfoZone: number;
  owners: string[];
  byForsyningsart: Record<string, number>;
  byFareklasse: Record<string, number>;
  mostDangerous: { featureId: string | number; owner: string; featureType: string; forsyningsart: string | null; fareklasse: string | null; zone: string; distance: number } | null;
  lengthInside: number;
}

export interface ReportProblem {
  featureIndex: number | null;
  featureId: string | number | null;
  pointer: string | null;
  code: string;
  severity: 'error' | 'warning';
  message: string;
}

export interface RuleReport {
  features: number;
  errors: number;
  warnings: number;
  invalidFeatures: number;
  byCode: Record<string, { severity: 'error' | 'warning'; count: number; examples: ReportProblem[] }>;
  problems: ReportProblem[];
  unlisted: number;
}

export interface UploadAnswer {
  owner: string;
  version: number;
  features: number;
  bytes?: number;
  report: RuleReport;
}

export interface OwnerListing {
  owner: string;
  name: string | null;
  version: number | null;
  features: number;
}
