/**
 * LER's restrictions as we read them, against LER's own cases and LER's own checker (the
 * ler-gml folder beside the project, or the one LER_GML_DIR names):
 *
 * - every case under restriction-cases/: each branch's XQuery Update edits applied to its source
 *   document (a nested branch on top of its parent's), read by our GML reader, checked by our
 *   restrictions; the restrictions the edits break (those broken now that the source did not
 *   break) are the branch's `assertions`. Three names there are not restrictions: `E1` is a schema
 *   error (xmllint refuses the document, our restrictions find nothing new), `GEOM1` a line that
 *   crosses itself (LINE_SELF_INTERSECTS, checked on GML uploads), `GEOM2` a posList whose count is
 *   no multiple of its dimension (the reader refuses it: GML_FEATURE_INVALID).
 * - LER's checker (`restrictions`, Python) on the examples, every edited case document and a few
 *   hundred seeded random variants of the examples' features: its (feature, restriction) pairs
 *   are ours, exactly, by the name of the part that broke.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { afterAll, describe, expect, it } from 'vitest';
import { LerError } from '../../src/errors.js';
import { ColumnBuilder } from '../../src/index/column-builder.js';
import { LerGmlReader } from '../../src/ingest/gml-reader.js';
import { readFeature } from '../../src/input/feature.js';
import { GmlDocumentRestrictions } from '../../src/rules/restriction-subject.js';
import { LER_RESTRICTIONS } from '../../src/model/ler-restrictions.js';
import { Random } from '../helpers/random.js';
import { featureElements } from '../helpers/gml-element.js';
import { applyXQuery } from '../helpers/xquery-edit.js';
import { xmllint } from '../helpers/xmllint.js';

const DIR = process.env.LER_GML_DIR ?? '../shared/ler-gml';
const CASES = join(DIR, 'restriction-cases');
const EXAMPLES = join(DIR, 'examples');
const CHECKER = join(DIR, 'restrictions');
const work = mkdtempSync(join(tmpdir(), 'ler-restriction-cases-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LER_NS = 'http://data.gov.dk/schemas/LER/2/gml';
const GML_NS = 'http://www.opengis.net/gml/3.2';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** A part's name -> its restriction's (LER's checker names parts, the cases restrictions). */
const PARENT = new Map<string, string>(Object.entries(LER_RESTRICTIONS).flatMap(([name, r]) => [[name, name] as [string, string], ...Object.keys((r as { parts?: object }).parts ?? {}).map((p) => [p, name] as [string, string])]));

interface Ours {
  /** `id\tpart` of every restriction broken. */
  pairs: Set<string>;
  /** Codes of the engine's own checks of the features as GeoJSON (self-crossing lines and the rest). */
  codes: Set<string>;
  features: number;
  /** The reader's refusal, when it refused the document. */
  refused: LerError | null;
}

/** Our reading of a document: the reader, LER's restrictions over it, the engine's checks as for a GML upload. */
function ours(text: string): Ours {
  const doc = new GmlDocumentRestrictions();
  const pairs = new Set<string>();
  const codes = new Set<string>();
  const ids: string[] = [];
  let features = 0;
  const reader = new LerGmlReader((feature, index, element) => {
    features++;
    ids[index] = String(feature.id);
    for (const v of doc.feature(element, index)) pairs.add(`${feature.id}\t${v.assertion}`);
    if (feature.geometry === null) return;
    try {
      readFeature(feature, index, new ColumnBuilder(), null, { crs: 'EPSG:25832', extent: null, coarseAccuracy: 5, owner: 0, restrictions: false, simpleLines: true });
    } catch (error) {
      if (!(error instanceof LerError)) throw error;
      codes.add(error.code);
    }
  });
  try {
    reader.write(text);
    reader.end();
  } catch (error) {
    if (!(error instanceof LerError)) throw error;
    // The reader refuses what it cannot turn into GeoJSON (a gml:OrientableCurve, a posList of 5
    // numbers in 3-D) before the restrictions see it: they are checked here on the same elements, read apart.
    const apart = new GmlDocumentRestrictions();
    const found = new Set<string>();
    const elements = featureElements(text).features;
    elements.forEach((e, k) => {
      for (const v of apart.feature(e.element, k)) found.add(`${e.id}\t${v.assertion}`);
    });
    for (const { key, violation } of apart.finish()) found.add(`${elements[key].id}\t${violation.assertion}`);
    return { pairs: found, codes, features: elements.length, refused: error };
  }
  for (const { key, violation } of doc.finish()) pairs.add(`${ids[key]}\t${violation.assertion}`);
  return { pairs, codes, features, refused: null };
}

const namesOf = (pairs: Iterable<string>): string[] => [...new Set([...pairs].map((p) => PARENT.get(p.split('\t')[1]) ?? p.split('\t')[1]))].sort();

/** LER's checker over many files in one run: per file, its failing parts with their features. */
function checker(files: readonly string[]): Map<string, { features: number; pairs: Set<string>; counts: Map<string, number> }> {
  expect(existsSync(CHECKER), `${CHECKER}: set LER_GML_DIR to the ler-gml folder`).toBe(true);
  const out = new Map<string, { features: number; pairs: Set<string>; counts: Map<string, number> }>();
  for (let k = 0; k < files.length; k += 100) {
    const batch = files.slice(k, k + 100);
    const run = spawnSync(CHECKER, batch, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.status === 2 || run.error !== undefined || run.status === null) throw new Error(`restrictions could not run: ${run.stderr || run.error?.message}`);
    if (run.stderr.includes('Traceback')) throw new Error(`restrictions failed: ${run.stderr}`);
    let current: { features: number; pairs: Set<string>; counts: Map<string, number> } | null = null;
    for (const line of run.stdout.split('\n')) {
      const head = /^(.*): (\d+) features, /.exec(line);
      if (head !== null && batch.includes(head[1])) {
        current = { features: Number(head[2]), pairs: new Set(), counts: new Map() };
        out.set(head[1], current);
        continue;
      }
      const row = /^ {2}(\S+): (\d+) \(e\.g\. (.*)\)$/.exec(line);
      if (row !== null && current !== null) {
        current.counts.set(row[1], Number(row[2]));
        for (const id of row[3].split(', ')) current.pairs.add(`${id}\t${row[1]}`);
      }
    }
    for (const f of batch) expect(out.has(f), `restrictions said nothing of ${f}`).toBe(true);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The cases

interface CaseNode {
  name?: string;
  xquery?: string;
  assertions?: string[];
  branches?: CaseNode[];
  source?: string;
}

interface Case {
  file: string;
  path: string[];
  source: string;
  xqueries: string[];
  /** What the edits break; undefined for a root that says nothing. */
  assertions: string[] | undefined;
}

/** The case files as data (YAML read by Python's yaml, which LER's checker needs anyway). */
function caseFiles(): { file: string; root: CaseNode }[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.yml')) files.push(p);
    }
  };
  walk(CASES);
  const run = spawnSync('/usr/bin/python3', ['-c', 'import json, sys, yaml; print(json.dumps([yaml.safe_load(open(f, encoding="utf-8")) for f in sys.argv[1:]]))', ...files], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 -c yaml: ${run.stderr}`);
  const roots = JSON.parse(run.stdout) as CaseNode[];
  return files.map((file, k) => ({ file: relative(CASES, file), root: roots[k] }));
}

function casesOf(file: string, root: CaseNode): Case[] {
  const source = String(root.source).replace(/^\$FT\//, `${EXAMPLES}/`);
  const out: Case[] = [{ file, path: [], source, xqueries: [], assertions: root.assertions }];
  const walk = (node: CaseNode, path: string[], xqueries: string[]): void => {
    (node.branches ?? []).forEach((b, k) => {
      const p = [...path, b.name ?? String(k)];
      const x = [...xqueries, String(b.xquery)];
      out.push({ file, path: p, source, xqueries: x, assertions: b.assertions ?? [] });
      walk(b, p, x);
    });
  };
  walk(root, [], []);
  return out;
}

const ALL_CASES = existsSync(CASES) ? caseFiles().flatMap(({ file, root }) => casesOf(file, root)) : [];
const caseName = (c: Case): string => `${c.file.replace(/[/.]/g, '_')}-${c.path.join('-').replace(/[^\wæøåÆØÅ-]/g, '_')}.xml`;

describe('LER\'s restriction cases', () => {
  it('are all there', () => {
    expect(existsSync(CASES), `${CASES}: set LER_GML_DIR to the ler-gml folder`).toBe(true);
    expect(new Set(ALL_CASES.map((c) => c.file)).size).toBeGreaterThanOrEqual(27);
  });

  const byFile = new Map<string, Case[]>();
  for (const c of ALL_CASES) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  for (const [file, cases] of byFile) {
    it(file, () => {
      const base = ours(readFileSync(cases[0].source, 'utf8'));
      expect(base.refused).toBeNull();
      for (const c of cases) {
        const label = `${file} ${c.path.join(' > ') || '(source)'}`;
        const text = applyXQuery(readFileSync(c.source, 'utf8'), c.xqueries);
        const found = ours(text);
        const expected = new Set(c.assertions ?? []);
        if (c.path.length === 0) {
          // The source as it is: what it breaks is what the case says it breaks, when it says.
          if (c.assertions !== undefined) expect(namesOf(found.pairs), label).toEqual([...expected].sort());
          continue;
        }
        if (expected.delete('GEOM2')) {
          expect(found.refused?.code, label).toBe('GML_FEATURE_INVALID');
          expect(found.refused?.message, label).toMatch(/not a multiple of its dimension 3/);
          continue;
        }
        // The reader refuses a geometry it cannot read; the restriction it breaks is named all the same.
        if (found.refused !== null) expect(found.refused.message, label).toMatch(/OrientableCurve is not a geometry LER uses/);
        expect(found.codes.has('LINE_SELF_INTERSECTS'), label).toBe(expected.delete('GEOM1'));
        if (expected.delete('E1')) expect(xmllint(text), label).not.toBe('');
        const broken = [...found.pairs].filter((p) => !base.pairs.has(p));
        expect(namesOf(broken), label).toEqual([...expected].sort());
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Random variants of the examples' features

const LINES = ['Elledning', 'Telekommunikationsledning', 'Vandledning', 'Afloebsledning', 'Gasledning', 'TermiskLedning', 'Olieledning', 'Foeringsroer', 'AndenLedning', 'LedningUkendtForsyningsart', 'Ledningstrace'];
const COMPONENTS = ['Elkomponent', 'Vandkomponent', 'Afloebskomponent', 'AndenKomponent', 'Gaskomponent'];
const DATES = ['2023-07-01', '2023-07-02', '2023-06-30', '2024-01-01', '2022-01-01', '2023', '2024', '2023-07', '2023-08', '2023-06', '1999-05-04', '2023-07-01T12:00:00', ' 2024-02-29 '];
const COMPONENT_XML = (type: string, shaped: boolean): string => `<ler:${type} xmlns:ler="${LER_NS}" xmlns:gml="${GML_NS}" xmlns:xsi="${XSI_NS}" gml:id="komponent-001">
  <ler:driftsstatus>i drift</ler:driftsstatus>
  <ler:fareklasse>ikke farlig</ler:fareklasse>
  <ler:noejagtighedsklasse>&lt;= 0.50 m</ler:noejagtighedsklasse>
  <ler:geometri><gml:Point srsName="EPSG:25832"><gml:pos>700000 6200000 -99</gml:pos></gml:Point></ler:geometri>
  <ler:type>brønd</ler:type>
  ${shaped ? '<ler:broendform>kvadratisk</ler:broendform>' : ''}
  <ler:bundlaengde uom="mm">900</ler:bundlaengde>
</ler:${type}>`;

/** Values an attribute may be given (measures with units the reader converts). */
const VALUES: Readonly<Record<string, { texts: readonly string[]; uoms?: readonly string[] }>> = {
  driftsstatus: { texts: ['i drift', 'under etablering', 'permanent ude af drift'] },
  fareklasse: { texts: ['ikke farlig', 'farlig', 'meget farlig'] },
  noejagtighedsklasse: { texts: ['<= 0.25 m', '> 2.00 m'] },
  noejagtighedsklasseVertikal: { texts: ['<= 0.50 m'] },
  ejerskabsforhold: { texts: ['ejet af udleverende ledningsejer', 'ejet af anden ledningsejer', 'uden ejer', ' ejet af udleverende  ledningsejer '] },
  tvaersnitsform: { texts: ['cirkulær', 'rektangulær', 'oval', ' cirkulær '] },
  vejledendeDybde: { texts: ['500', '1200'], uoms: ['mm', 'cm', 'm'] },
  udvendigDiameter: { texts: ['20', '160'], uoms: ['mm', 'cm', 'm'] },
  udvendigBredde: { texts: ['300', ''], uoms: ['mm', 'cm'] },
  udvendigHoejde: { texts: ['200'], uoms: ['mm', 'm'] },
  spaendingsniveau: { texts: ['10', '400'], uoms: ['kV', 'V'] },
  tryk: { texts: ['4'], uoms: ['bar', 'kPa'] },
  temperatur: { texts: ['80'], uoms: ['Cel', 'K'] },
  bredde: { texts: ['600', '1'], uoms: ['mm', 'm'] },
  forsyningsart: { texts: ['el', 'telekommunikation', 'gas', 'other: vejbelysning'] },
  type: { texts: ['brønd', 'tapsted', 'ventil', 'tilslutningspunkt', 'rørblok', 'vejbelysningskabel'] },
  broendform: { texts: ['kvadratisk', 'rektangulær', 'rund'] },
  bundlaengde: { texts: ['900'], uoms: ['mm', 'cm'] },
  bunddiameterbredde: { texts: ['900'], uoms: ['mm', 'cm'] },
  anborsted: { texts: ['hovedledning'] },
  stutskote: { texts: ['12.5'] },
  tapstedstype: { texts: ['brandhane'] },
  relativNiveau: { texts: ['1'] }
};
const LINE_ATTRIBUTES = ['driftsstatus', 'fareklasse', 'noejagtighedsklasse', 'noejagtighedsklasseVertikal', 'ejerskabsforhold', 'tvaersnitsform', 'vejledendeDybde', 'udvendigDiameter', 'udvendigBredde', 'udvendigHoejde', 'spaendingsniveau', 'tryk', 'temperatur', 'bredde', 'forsyningsart'];
const COMPONENT_ATTRIBUTES = ['type', 'broendform', 'bundlaengde', 'bunddiameterbredde', 'anborsted', 'stutskote', 'tapstedstype', 'relativNiveau', 'spaendingsniveau', 'vejledendeDybde', 'forsyningsart'];
const COMPONENT_GEOMETRIES = [
  '<gml:Point srsName="EPSG:25832"><gml:pos>700000 6200000 -99</gml:pos></gml:Point>',
  '<gml:Polygon srsName="EPSG:25832"><gml:exterior><gml:LinearRing><gml:posList>700000 6200000 -99 700001 6200000 -99 700001 6200001 -99 700000 6200000 -99</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>',
  '<gml:Surface srsName="EPSG:25832"><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>700000 6200000 -99 700001 6200000 -99 700001 6200001 -99 700000 6200000 -99</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface>',
  '<gml:MultiSurface srsName="EPSG:25832"><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>700000 6200000 -99 700001 6200000 -99 700001 6200001 -99 700000 6200000 -99</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>',
  '<gml:CompositeCurve srsName="EPSG:25832"><gml:curveMember><gml:LineString><gml:posList>700000 6200000 -99 700010 6200010 -99</gml:posList></gml:LineString></gml:curveMember></gml:CompositeCurve>',
  '<gml:Curve srsName="EPSG:25832"><gml:segments><gml:ArcString><gml:posList>700000 6200000 -99 700005 6200003 -99 700010 6200000 -99</gml:posList></gml:ArcString></gml:segments></gml:Curve>',
  // Surfaces and boundaries LER does not take (the reader refuses the last two: checked on their elements).
  '<gml:Surface srsName="EPSG:25832"><gml:patches><gml:Triangle><gml:exterior><gml:LinearRing><gml:posList>700000 6200000 -99 700001 6200000 -99 700001 6200001 -99 700000 6200000 -99</gml:posList></gml:LinearRing></gml:exterior></gml:Triangle></gml:patches></gml:Surface>',
  '<gml:Polygon srsName="EPSG:25832"><gml:exterior><gml:Ring><gml:curveMember><gml:Curve><gml:segments><gml:Arc><gml:posList>700000 6200000 -99 700001 6200001 -99 700000 6200000 -99</gml:posList></gml:Arc></gml:segments></gml:Curve></gml:curveMember></gml:Ring></gml:exterior></gml:Polygon>',
  '<gml:MultiSurface srsName="EPSG:25832"><gml:surfaceMember><gml:Surface><gml:patches><gml:PolygonPatch><gml:exterior><gml:Ring><gml:curveMember><gml:LineString><gml:posList>700000 6200000 -99 700001 6200000 -99 700000 6200000 -99</gml:posList></gml:LineString></gml:curveMember></gml:Ring></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface></gml:surfaceMember></gml:MultiSurface>',
  '<gml:MultiSurface srsName="EPSG:25832"><gml:surfaceMember><gml:Polygon><gml:exterior><gml:Ring><gml:curveMember><gml:Curve><gml:segments><gml:Arc><gml:posList>700000 6200000 -99 700001 6200001 -99 700000 6200000 -99</gml:posList></gml:Arc></gml:segments></gml:Curve></gml:curveMember></gml:Ring></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>',
  '<gml:Surface srsName="EPSG:25832"><gml:patches><gml:PolygonPatch><gml:exterior><gml:Ring><gml:curveMember><gml:Curve><gml:segments><gml:Arc><gml:posList>700000 6200000 -99 700001 6200001 -99 700000 6200000 -99</gml:posList></gml:Arc></gml:segments></gml:Curve></gml:curveMember></gml:Ring></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface>'
];
const LINE_GEOMETRIES = [
  (z: string): string => `<gml:LineString srsName="EPSG:25832"><gml:posList srsDimension="3">700000 6200000 ${z} 700010 6200010 -99</gml:posList></gml:LineString>`,
  (z: string): string => `<gml:Curve srsName="EPSG:25832"><gml:segments><gml:LineStringSegment><gml:posList>700000 6200000 ${z} 700005 6200005 -99</gml:posList></gml:LineStringSegment><gml:LineStringSegment><gml:posList>700005 6200005 -99 700010 6200010 -99</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve>`,
  (z: string): string => `<gml:Curve srsName="EPSG:25832"><gml:segments><gml:ArcString><gml:posList>700000 6200000 ${z} 700005 6200003 -99 700010 6200000 -99</gml:posList></gml:ArcString></gml:segments></gml:Curve>`,
  (z: string): string => `<gml:MultiCurve srsName="EPSG:25832"><gml:curveMember><gml:LineString><gml:posList>700000 6200000 ${z} 700010 6200010 -99</gml:posList></gml:LineString></gml:curveMember></gml:MultiCurve>`,
  (): string => '<gml:LineString srsName="EPSG:25832"><gml:posList srsDimension="2">700000 6200000 700010 6200010</gml:posList></gml:LineString>'
];

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

function fragment(doc: Document, xml: string): Element {
  const el = parse(`<w xmlns:gml="${GML_NS}">${xml}</w>`).documentElement?.firstChild as Element;
  return doc.importNode(el, true) as Element;
}

function childrenNamed(feature: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let c = feature.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === c.ELEMENT_NODE && (c as Element).namespaceURI === LER_NS && (c as Element).localName === name) out.push(c as Element);
  return out;
}

/** One attribute of a feature: deleted, made void, given (a value, maybe another unit), or left as it is. */
function vary(rng: Random, doc: Document, feature: Element, name: string): void {
  const present = childrenNamed(feature, name);
  const r = rng.next();
  if (r < 0.2) {
    for (const e of present) feature.removeChild(e);
  } else if (r < 0.35) {
    for (const e of present) feature.removeChild(e);
    const e = doc.createElementNS(LER_NS, `ler:${name}`);
    e.setAttributeNS(XSI_NS, 'xsi:nil', 'true');
    if (rng.chance(0.3)) e.setAttribute('nilReason', rng.pick(['unknown', 'withheld']));
    const spec = VALUES[name];
    if (spec.uoms !== undefined && rng.chance(0.5)) e.setAttribute('uom', spec.uoms[0]);
    feature.appendChild(e);
  } else if (r < 0.6) {
    for (const e of present) feature.removeChild(e);
    const spec = VALUES[name];
    const e = doc.createElementNS(LER_NS, `ler:${name}`);
    e.appendChild(doc.createTextNode(rng.pick(spec.texts)));
    if (spec.uoms !== undefined) {
      const text = e.textContent ?? '';
      // A measure the reader converts is a number in one of its units; the others take any.
      if (text === '' && ['vejledendeDybde', 'udvendigDiameter', 'bredde', 'spaendingsniveau', 'tryk', 'temperatur'].includes(name)) e.textContent = '1';
      e.setAttribute('uom', rng.pick(spec.uoms));
    }
    feature.appendChild(e);
  }
}

/** A seeded variant of an example's features (or of a component), as a document. */
function variant(rng: Random, sources: readonly string[]): string {
  const component = rng.chance(0.25);
  const doc = parse(component ? COMPONENT_XML(rng.pick(COMPONENTS), rng.chance(0.5)) : rng.pick(sources));
  const root = doc.documentElement as Element;
  const features: Element[] = root.localName === 'Graveforespoergselssvar' ? [] : [root];
  if (features.length === 0) {
    for (let m = root.firstChild; m !== null; m = m.nextSibling) {
      if (m.nodeType !== m.ELEMENT_NODE) continue;
      for (let f = m.firstChild; f !== null; f = f.nextSibling) if (f.nodeType === f.ELEMENT_NODE) features.push(f as Element);
    }
  }
  for (const original of features) {
    let feature = original;
    // Another type: the element renamed, its content kept.
    const types = component ? COMPONENTS : LINES;
    if (rng.chance(0.4)) {
      const other = doc.createElementNS(LER_NS, `ler:${rng.pick(types)}`);
      for (let k = 0; k < feature.attributes.length; k++) {
        const a = feature.attributes.item(k);
        if (a !== null) other.setAttributeNS(a.namespaceURI, a.name, a.value);
      }
      while (feature.firstChild !== null) other.appendChild(feature.firstChild);
      if (feature === root) doc.replaceChild(other, feature);
      else feature.parentNode?.replaceChild(other, feature);
      feature = other;
    }
    if (!component) {
      const etab = childrenNamed(feature, 'etableringstidspunkt')[0];
      if (etab !== undefined && rng.chance(0.8)) {
        etab.textContent = rng.pick(DATES);
        if (rng.chance(0.15)) etab.setAttribute('indeterminatePosition', rng.pick(['before', 'after']));
      }
      const geometri = childrenNamed(feature, 'geometri')[0];
      if (geometri !== undefined) {
        const roll = rng.next();
        if (roll < 0.1) feature.removeChild(geometri);
        else if (roll < 0.55) {
          while (geometri.firstChild !== null) geometri.removeChild(geometri.firstChild);
          geometri.appendChild(fragment(doc, rng.pick(LINE_GEOMETRIES)(rng.pick(['-99', '-99', '0', '12.5', '-99.0']))));
        }
      }
      // A pipe's pressure and temperature (only some types have them) more often than the rest.
      const own = ['Gasledning', 'Olieledning', 'TermiskLedning'].includes(feature.localName ?? '') ? ['tryk', 'temperatur'] : [];
      for (const name of LINE_ATTRIBUTES) if (rng.chance(own.includes(name) ? 0.8 : 0.35)) vary(rng, doc, feature, name);
      // A second kind of supply (only a trace and a Foeringsroer have them; LER's checker errs on others).
      if (['Foeringsroer', 'Ledningstrace'].includes(feature.localName ?? '') && rng.chance(0.2)) {
        const e = doc.createElementNS(LER_NS, 'ler:forsyningsart');
        e.textContent = rng.pick(['el', 'vand']);
        feature.appendChild(e);
      }
    } else {
      const geometri = childrenNamed(feature, 'geometri')[0];
      while (geometri.firstChild !== null) geometri.removeChild(geometri.firstChild);
      geometri.appendChild(fragment(doc, rng.pick(COMPONENT_GEOMETRIES)));
      for (const name of COMPONENT_ATTRIBUTES) if (rng.chance(0.4)) vary(rng, doc, feature, name);
    }
  }
  return new XMLSerializer().serializeToString(doc);
}

describe('our restrictions and LER\'s checker', () => {
  it('agree on every example, every edited case document and 400 random variants, feature by feature', () => {
    const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.xml')).sort();
    expect(examples.length).toBeGreaterThanOrEqual(6);
    const sources = examples.map((f) => readFileSync(join(EXAMPLES, f), 'utf8'));
    const all = new Map<string, string>();
    examples.forEach((f, k) => all.set(`example-${f}`, sources[k]));
    const edited = ALL_CASES.filter((c) => c.path.length > 0);
    expect(edited.length).toBeGreaterThan(30);
    for (const c of edited) all.set(`case-${caseName(c)}`, applyXQuery(readFileSync(c.source, 'utf8'), c.xqueries));
    const rng = new Random(18);
    for (let k = 0; k < 400; k++) all.set(`variant-${String(k).padStart(3, '0')}.xml`, variant(rng, sources));

    const files: string[] = [];
    const read = new Map<string, Ours>();
    let unreadable = 0;
    for (const [name, text] of all) {
      const o = ours(text);
      if (o.refused !== null) {
        // Documents the reader refuses (the GEOM2 case, a gml:OrientableCurve): checked on their elements.
        unreadable++;
        expect(o.refused.code, name).toBe('GML_FEATURE_INVALID');
      }
      const file = join(work, name);
      writeFileSync(file, text);
      files.push(file);
      read.set(file, o);
    }
    // Two cases (GEOM2, the OrientableCurve), and the variants with a geometry or unit the reader does not take.
    expect(unreadable).toBeGreaterThanOrEqual(2);
    expect(unreadable).toBeLessThan(all.size / 5);
    const theirs = checker(files);
    let features = 0;
    let pairs = 0;
    const names = new Set<string>();
    const mismatches: string[] = [];
    for (const file of files) {
      const o = read.get(file) as Ours;
      const t = theirs.get(file) as { features: number; pairs: Set<string>; counts: Map<string, number> };
      features += o.features;
      expect(o.features, file).toBe(t.features);
      // LER's checker names at most three features per restriction: every one it names is ours, and as many.
      const ourCounts = new Map<string, Set<string>>();
      for (const p of o.pairs) {
        const [id, part] = p.split('\t');
        ourCounts.set(part, new Set([...(ourCounts.get(part) ?? []), id]));
        names.add(part);
      }
      const complete = [...t.counts.values()].every((n) => n <= 3);
      const same = complete ? [...o.pairs].sort().join('\n') === [...t.pairs].sort().join('\n') : [...t.pairs].every((p) => o.pairs.has(p)) && [...t.counts.keys()].sort().join() === [...ourCounts.keys()].sort().join();
      if (!same) mismatches.push(`${relative(work, file)}: ours ${JSON.stringify([...o.pairs].sort())}, LER's ${JSON.stringify([...t.pairs].sort())}\n${readFileSync(file, 'utf8')}`);
      pairs += o.pairs.size;
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(files.length).toBeGreaterThan(430);
    expect(features).toBeGreaterThan(550);
    // The variants reach far: most of the restrictions features can break are broken somewhere.
    expect(names.size).toBeGreaterThanOrEqual(40);
    expect(pairs).toBeGreaterThan(800);
    const never = [...PARENT.keys()].filter((p) => !names.has(p));
    console.log(`agreement: ${files.length} documents (${unreadable} refused by the reader), ${features} features, ${pairs} broken (feature, part) pairs of ${names.size} parts, 0 mismatches; never broken: ${never.join(', ')}`);
  });
});
