import { LerError } from '../errors.js';
import { allocateColumns, type NetworkColumns } from './columns.js';

/**
 * Concatenates several networks' columns into one, renumbering owners, parts, vertices and text
 * offsets. Each owner may appear in one input only.
 */
export function mergeColumns(inputs: readonly NetworkColumns[]): NetworkColumns {
  const owners: string[] = [];
  for (const c of inputs) {
    for (const owner of c.owners) {
      if (owners.includes(owner)) throw new LerError('OWNER_CONFLICT', {}, `Owner ${JSON.stringify(owner)}.`);
      owners.push(owner);
    }
  }
  if (owners.length > 0xffff) throw new LerError('OPTION_INVALID', {}, 'At most 65535 owners per index.');
  const sum = (pick: (c: NetworkColumns) => number): number => inputs.reduce((s, c) => s + pick(c), 0);
  const out = allocateColumns({
    owners,
    featureCount: sum((c) => c.featureCount),
    partCount: sum((c) => c.partCount),
    vertexCount: sum((c) => c.vertexCount),
    hasZ: inputs.some((c) => c.hasZ),
    idBytes: sum((c) => c.idText.length),
    propBytes: sum((c) => c.propText.length)
  });

  let f0 = 0;
  let p0 = 0;
  let v0 = 0;
  let id0 = 0;
  let prop0 = 0;
  let owner0 = 0;
  for (const c of inputs) {
    const nf = c.featureCount;
    out.geomType.set(c.geomType, f0);
    out.featureType.set(c.featureType, f0);
    out.forsyningsart.set(c.forsyningsart, f0);
    out.fareklasse.set(c.fareklasse, f0);
    out.driftsstatus.set(c.driftsstatus, f0);
    out.margin.set(c.margin, f0);
    for (let f = 0; f < nf; f++) {
      out.featureOwner[f0 + f] = c.featureOwner[f] + owner0;
      out.featureParts[f0 + f] = c.featureParts[f] + p0;
      out.idOffsets[f0 + f] = c.idOffsets[f] + id0;
      out.propOffsets[f0 + f] = c.propOffsets[f] + prop0;
    }
    for (let p = 0; p < c.partCount; p++) out.partVertices[p0 + p] = c.partVertices[p] + v0;
    out.partFlags.set(c.partFlags, p0);
    out.xy.set(c.xy, 2 * v0);
    if (out.hasZ) {
      if (c.hasZ) out.z.set(c.z, v0);
      else out.z.fill(Number.NaN, v0, v0 + c.vertexCount);
    }
    out.idText.set(c.idText, id0);
    out.propText.set(c.propText, prop0);
    f0 += nf;
    p0 += c.partCount;
    v0 += c.vertexCount;
    id0 += c.idText.length;
    prop0 += c.propText.length;
    owner0 += c.owners.length;
  }
  out.featureParts[f0] = p0;
  out.partVertices[p0] = v0;
  out.idOffsets[f0] = id0;
  out.propOffsets[f0] = prop0;
  return out;
}
