import { describe, expect, it } from 'vitest';
import { LerGmlReader, type GmlElement } from '../src/ingest/gml-reader.js';
import { SchemaBatcher, serialiseElement, validateFeatureLines } from '../src/ingest/gml-schema.js';

const NS = 'xmlns:ler="http://data.gov.dk/schemas/LER/2/gml" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xlink="http://www.w3.org/1999/xlink"';

function line(id: string, inner: string, order: 'right' | 'wrong' = 'right'): string {
  const head = '<ler:driftsstatus>i drift</ler:driftsstatus><ler:etableringstidspunkt>2020-01-01</ler:etableringstidspunkt><ler:fareklasse>ikke farlig</ler:fareklasse>';
  const geometry = '<ler:geometri><gml:LineString srsName="http://www.opengis.net/def/crs/EPSG/0/7416"><gml:posList srsDimension="3">700000 6200000 -99 700010 6200010 -99</gml:posList></gml:LineString></ler:geometri>';
  const type = '<ler:type>vejbelysningskabel</ler:type>';
  return `<ler:ledningMember><ler:Elledning gml:id="${id}">${order === 'right' ? head + geometry + inner + type : type + head + geometry + inner}</ler:Elledning></ler:ledningMember>`;
}

function elementsOf(members: string): GmlElement[] {
  const out: GmlElement[] = [];
  const reader = new LerGmlReader((_f, _i, element) => out.push(element));
  reader.write(`<ler:Graveforespoergselssvar ${NS} gml:id="g" schemaVersion="2.2"><ler:id>5d2f3c1e-0b7a-4c8e-9a51-6f1e2d3c4b5a</ler:id><ler:type>ledningsoplysninger udleveret</ler:type>${members}</ler:Graveforespoergselssvar>`);
  reader.end();
  return out;
}

describe('LER GML against the official schema, in Node', () => {
  it("passes valid features and names the feature that breaks the element order", async () => {
    const elements = elementsOf(line('a', '<ler:udvendigDiameter uom="mm">20</ler:udvendigDiameter>') + line('b', '', 'wrong') + line('c', ''));
    expect(elements).toHaveLength(3);
    const faults: [number, string][] = [];
    const batcher = new SchemaBatcher((i, m) => faults.push([i, m]));
    for (const [i, e] of elements.entries()) batcher.add(e, i + 10);
    await batcher.finish();
    expect(faults).toHaveLength(1);
    expect(faults[0][0]).toBe(11);
    expect(faults[0][1]).toContain('ler:type');
    expect(faults[0][1]).toContain('not expected');
  });

  it('refuses an unknown code list value and a measure without its unit', () => {
    const [bad] = elementsOf(line('x', '<ler:udvendigDiameter>20</ler:udvendigDiameter>'));
    const faults = validateFeatureLines('ledningMember', [serialiseElement(bad)]);
    expect(faults.length).toBeGreaterThan(0);
    expect(faults[0].feature).toBe(0);
    expect(faults.map((f) => f.message).join(' ')).toContain('uom');
  });

  it('writes text and attributes back escaped, on one line', () => {
    const [e] = elementsOf(line('q', '<ler:udvendigDiameter uom="mm">20</ler:udvendigDiameter>').replace('vejbelysningskabel', 'other: kabelrør').replace('gml:id="q"', 'gml:id="q" gml:xyz="1&#10;2"'));
    const text = serialiseElement(e);
    expect(text).not.toContain('\n');
    expect(text).toContain('other: kabelrør');
    expect(text).toContain('gml:xyz="1&#10;2"');
    expect(validateFeatureLines('ledningMember', [text]).map((f) => f.message).join()).toContain("attribute 'gml:xyz'");
    e.attributes = Object.fromEntries(Object.entries(e.attributes).filter(([k]) => !k.endsWith('#xyz')));
    expect(validateFeatureLines('ledningMember', [serialiseElement(e)])).toEqual([]);
  });
});
