import { LerError } from '../errors.js';
import { allocateColumns, type NetworkColumns } from './columns.js';
import { spatialOrder } from './order.js';

/**
 * One network from several: owners, parts, vertices and text offsets renumbered, and the
 * features laid out along a Hilbert curve (see order.ts) whatever input they come from. Each
 * owner may appear in one input only. A single input is reordered the same way.
 */
export function mergeColumns(inputs: readonly NetworkColumns[]): NetworkColumns {
  const owners: string[] = [];
  const ownerBase: number[] = [];
  for (const c of inputs) {
    ownerBase.push(owners.length);
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

  const { source, local } = spatialOrder(inputs);
  let p0 = 0;
  let v0 = 0;
  let id0 = 0;
  let prop0 = 0;
  for (let g = 0; g < out.featureCount; g++) {
    const c = inputs[source[g]];
    const f = local[g];
    out.geomType[g] = c.geomType[f];
    out.featureType[g] = c.featureType[f];
    out.forsyningsart[g] = c.forsyningsart[f];
    out.fareklasse[g] = c.fareklasse[f];
    out.driftsstatus[g] = c.driftsstatus[f];
    out.margin[g] = c.margin[f];
    out.featureOwner[g] = c.featureOwner[f] + ownerBase[source[g]];
    out.featureParts[g] = p0;
    for (let p = c.featureParts[f]; p < c.featureParts[f + 1]; p++) {
      out.partVertices[p0] = v0;
      out.partFlags[p0] = c.partFlags[p];
      p0++;
      for (let v = c.partVertices[p]; v < c.partVertices[p + 1]; v++, v0++) {
        out.xy[2 * v0] = c.xy[2 * v];
        out.xy[2 * v0 + 1] = c.xy[2 * v + 1];
        if (out.hasZ) out.z[v0] = c.hasZ ? c.z[v] : Number.NaN;
      }
    }
    out.idOffsets[g] = id0;
    for (let i = c.idOffsets[f]; i < c.idOffsets[f + 1]; i++) out.idText[id0++] = c.idText[i];
    out.propOffsets[g] = prop0;
    const a = c.propOffsets[f];
    const b = c.propOffsets[f + 1];
    out.propText.set(c.propText.subarray(a, b), prop0);
    prop0 += b - a;
  }
  out.featureParts[out.featureCount] = p0;
  out.partVertices[p0] = v0;
  out.idOffsets[out.featureCount] = id0;
  out.propOffsets[out.featureCount] = prop0;
  return out;
}
