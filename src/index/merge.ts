import { LerError } from '../errors.js';
import { allocateColumns, type NetworkColumns } from './columns.js';
import { spatialOrder } from './order.js';

/**
 * One network from several: owners, parts, vertices and text offsets renumbered, and the
 * features laid out along a Hilbert curve (see order.ts) whatever input they come from. Each
 * owner may appear in one input only. A single input is reordered the same way.
 */
export interface MergeOptions {
  /** Per input, 1 for each feature to keep (null or absent: all). */
  keep?: readonly (Uint8Array | null)[];
  /** The same owner may come from several inputs (a change set over the owner's network). */
  sharedOwners?: boolean;
}

export function mergeColumns(inputs: readonly NetworkColumns[], opts: MergeOptions = {}): NetworkColumns {
  const keep = opts.keep ?? [];
  const owners: string[] = [];
  const ownerCode: number[][] = [];
  for (const c of inputs) {
    const codes: number[] = [];
    for (const owner of c.owners) {
      const known = owners.indexOf(owner);
      if (known >= 0 && opts.sharedOwners !== true) throw new LerError('OWNER_CONFLICT', {}, `Owner ${JSON.stringify(owner)}.`);
      codes.push(known >= 0 ? known : owners.push(owner) - 1);
    }
    ownerCode.push(codes);
  }
  if (owners.length > 0xffff) throw new LerError('OPTION_INVALID', {}, 'At most 65535 owners per index.');
  // Sizes of what is kept.
  let featureCount = 0, partCount = 0, vertexCount = 0, idBytes = 0, propBytes = 0;
  inputs.forEach((c, s) => {
    const mask = keep[s] ?? null;
    for (let f = 0; f < c.featureCount; f++) {
      if (mask !== null && mask[f] === 0) continue;
      featureCount++;
      partCount += c.featureParts[f + 1] - c.featureParts[f];
      vertexCount += c.partVertices[c.featureParts[f + 1]] - c.partVertices[c.featureParts[f]];
      idBytes += c.idOffsets[f + 1] - c.idOffsets[f];
      propBytes += c.propOffsets[f + 1] - c.propOffsets[f];
    }
  });
  const out = allocateColumns({
    owners,
    featureCount,
    partCount,
    vertexCount,
    hasZ: inputs.some((c) => c.hasZ),
    idBytes,
    propBytes
  });

  const { source, local } = spatialOrder(inputs, keep);
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
    out.featureOwner[g] = ownerCode[source[g]][c.featureOwner[f]];
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
