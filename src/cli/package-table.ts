/** A dig request's package as a table for the terminal: one row per owner concerned, and a total. */
import { FAREKLASSE } from '../model/ler.js';
import type { Package } from '../package/types.js';

/** What the table reads of a package. */
type PackageSummary = Pick<Package, 'id' | 'crs' | 'infoZone' | 'networkVersions' | 'owners'>;

function worstOf(classes: (string | null)[]): string {
  let worst = -1;
  for (const c of classes) worst = Math.max(worst, c === null ? -1 : FAREKLASSE.indexOf(c as (typeof FAREKLASSE)[number]));
  return worst >= 0 ? FAREKLASSE[worst] : classes.length > 0 ? 'ukendt' : '-';
}

export function packageTable(pkg: PackageSummary): string {
  const rows: string[][] = [['owner', 'version', 'dig area', 'info zone', 'worst fareklasse']];
  let inDig = 0, inZone = 0;
  const all: (string | null)[] = [];
  for (const o of pkg.owners) {
    const d = o.conflicts.filter((c) => c.zone === 'digArea').length;
    const z = o.conflicts.length - d;
    inDig += d;
    inZone += z;
    all.push(...o.conflicts.map((c) => c.fareklasse));
    // An owner concerned through its interest area alone has no network version.
    rows.push([o.owner, o.networkVersion === null ? '-' : String(o.networkVersion), String(d), String(z), worstOf(o.conflicts.map((c) => c.fareklasse))]);
  }
  rows.push(['total', '', String(inDig), String(inZone), worstOf(all)]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((cell, i) => (i >= 1 && i <= 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const checked = Object.keys(pkg.networkVersions).length;
  const head = `dig request ${pkg.id}: info zone ${pkg.infoZone} m, ${pkg.crs}; ${pkg.owners.length} of ${checked} owners hit`;
  return [head, '', ...rows.map(line)].join('\n');
}
