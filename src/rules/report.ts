/**
 * The report of an upload's problems: each with feature index, id, JSON pointer, code, severity
 * and message. Up to `keep` problems are listed in full; beyond that the report goes on counting
 * every code and keeps the first examples of each, and says how many it did not list: a huge
 * report is summarised, never silently cut.
 */
import type { LerError } from '../errors.js';
import { ruleOf, type Severity } from './catalogue.js';

export interface Problem {
  featureIndex: number | null;
  featureId: string | number | null;
  pointer: string | null;
  code: string;
  severity: Severity;
  message: string;
}

export interface ReportSummary {
  features: number;
  errors: number;
  warnings: number;
  /** Features with at least one error. */
  invalidFeatures: number;
  byCode: Record<string, { severity: Severity; count: number; examples: Problem[] }>;
  /** Every problem while there were at most `keep`; afterwards the first `keep` of them. */
  problems: Problem[];
  /** Problems counted but not listed in `problems` (they are in `byCode`). */
  unlisted: number;
}

/** A problem as a report lists it, from the error that found it. */
export function problemOf(error: LerError, severity: Severity): Problem {
  return {
    featureIndex: error.featureIndex ?? null,
    featureId: error.featureId ?? null,
    pointer: error.pointer ?? null,
    code: error.code,
    severity,
    message: error.message
  };
}

export class RuleReport {
  features = 0;
  errors = 0;
  warnings = 0;
  invalidFeatures = 0;
  readonly problems: Problem[] = [];
  unlisted = 0;
  private readonly byCode = new Map<string, { severity: Severity; count: number; examples: Problem[] }>();
  private lastInvalid = -1;

  constructor(
    /** Problems listed in full. */
    private readonly keep = 10_000,
    /** Examples kept per code. */
    private readonly examples = 20
  ) {}

  add(error: LerError, severity: Severity = ruleOf(error.code)?.severity ?? 'error'): void {
    this.addProblem(problemOf(error, severity));
  }

  /** Adds a problem already written down (e.g. by a worker thread that parsed the feature). */
  addProblem(problem: Problem): void {
    const severity = problem.severity;
    if (severity === 'error') {
      this.errors++;
      if (problem.featureIndex !== this.lastInvalid || problem.featureIndex === null) this.invalidFeatures++;
      this.lastInvalid = problem.featureIndex ?? -1;
    } else this.warnings++;
    let entry = this.byCode.get(problem.code);
    if (!entry) this.byCode.set(problem.code, (entry = { severity, count: 0, examples: [] }));
    entry.count++;
    if (entry.examples.length < this.examples) entry.examples.push(problem);
    if (this.problems.length < this.keep) this.problems.push(problem);
    else this.unlisted++;
  }

  summary(): ReportSummary {
    return {
      features: this.features,
      errors: this.errors,
      warnings: this.warnings,
      invalidFeatures: this.invalidFeatures,
      byCode: Object.fromEntries(this.byCode),
      problems: this.problems,
      unlisted: this.unlisted
    };
  }
}
