import { allocateColumns, type GeomTypeCode, type NetworkColumns } from './columns.js';

type Typed = Float64Array | Uint32Array | Uint16Array | Uint8Array;
type Ctor<T extends Typed> = new (length: number) => T;

/** A typed array that grows by doubling; `finish()` copies the used part once. */
class Growable<T extends Typed> {
  data: T;
  length = 0;
  constructor(private readonly ctor: Ctor<T>, capacity = 1024) {
    this.data = new ctor(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }
  reserve(extra: number): void {
    if (this.length + extra > this.data.length) this.grow(this.length + extra);
  }
  private grow(min: number): void {
    const next = new this.ctor(Math.max(min, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
}

const encoder = new TextEncoder();

/** Text column: UTF-8 bytes with one offset per entry. */
class TextColumn {
  readonly bytes = new Growable(Uint8Array, 1 << 16);
  readonly offsets: number[] = [0];
  add(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    this.bytes.reserve(text.length * 3);
    const { written } = encoder.encodeInto(text, this.bytes.data.subarray(this.bytes.length));
    this.bytes.length += written;
    this.offsets.push(this.bytes.length);
  }
  /** Adds an entry already in UTF-8. */
  addBytes(bytes: Uint8Array): void {
    this.bytes.reserve(bytes.length);
    this.bytes.data.set(bytes, this.bytes.length);
    this.bytes.length += bytes.length;
    this.offsets.push(this.bytes.length);
  }
}

/** Attribute codes of one feature, as `src/model/ler.ts` defines them. */
export interface FeatureCodes {
  owner: number;
  geomType: GeomTypeCode;
  featureType: number;
  forsyningsart: number;
  fareklasse: number;
  driftsstatus: number;
  margin: number;
}

/**
 * Collects features into growable columns, then copies them once into a SharedArrayBuffer.
 * A feature is written as `beginFeature`, then `beginPart`/`vertex` calls, then `endFeature`;
 * `rollback` drops a feature that turned out to be invalid halfway.
 */
export class ColumnBuilder {
  private readonly owner = new Growable(Uint16Array);
  private readonly geomType = new Growable(Uint8Array);
  private readonly featureType = new Growable(Uint8Array);
  private readonly forsyningsart = new Growable(Uint8Array);
  private readonly fareklasse = new Growable(Uint8Array);
  private readonly driftsstatus = new Growable(Uint8Array);
  private readonly margin = new Growable(Float64Array);
  private readonly featureParts = new Growable(Uint32Array);
  private readonly partVertices = new Growable(Uint32Array);
  private readonly partFlags = new Growable(Uint8Array);
  private readonly xy = new Growable(Float64Array, 1 << 14);
  private z: Growable<Float64Array> | null = null;
  private readonly ids = new TextColumn();
  private readonly props = new TextColumn();

  get featureCount(): number {
    return this.owner.length;
  }

  get vertexCount(): number {
    return this.xy.length >> 1;
  }

  beginFeature(codes: FeatureCodes): void {
    this.featureParts.push(this.partFlags.length);
    this.owner.push(codes.owner);
    this.geomType.push(codes.geomType);
    this.featureType.push(codes.featureType);
    this.forsyningsart.push(codes.forsyningsart);
    this.fareklasse.push(codes.fareklasse);
    this.driftsstatus.push(codes.driftsstatus);
    this.margin.push(codes.margin);
  }

  /** Sets the geometry type of the feature begun last, once its geometry has been read. */
  setGeomType(code: GeomTypeCode): void {
    this.geomType.data[this.geomType.length - 1] = code;
  }

  beginPart(flags: number): void {
    this.partVertices.push(this.vertexCount);
    this.partFlags.push(flags);
  }

  vertex(x: number, y: number, z: number): void {
    if (this.z === null && !Number.isNaN(z)) {
      this.z = new Growable(Float64Array, Math.max(1024, this.xy.data.length >> 1));
      for (let i = 0; i < this.vertexCount; i++) this.z.push(Number.NaN);
    }
    this.xy.push(x);
    this.xy.push(y);
    this.z?.push(z);
  }

  /** Ends the feature with its id and properties as JSON text (the properties as a string, or already in UTF-8). */
  endFeature(idJson: string, propertiesJson: string | Uint8Array): void {
    this.ids.add(idJson);
    if (typeof propertiesJson === 'string') this.props.add(propertiesJson);
    else this.props.addBytes(propertiesJson);
  }

  /** Removes the feature begun last, with its parts and vertices. */
  rollback(): void {
    const f = this.owner.length - 1;
    const firstPart = this.featureParts.data[f];
    const firstVertex = firstPart < this.partFlags.length ? this.partVertices.data[firstPart] : this.vertexCount;
    for (const column of [this.owner, this.geomType, this.featureType, this.forsyningsart, this.fareklasse, this.driftsstatus, this.margin, this.featureParts]) {
      column.length = f;
    }
    this.partFlags.length = firstPart;
    this.partVertices.length = firstPart;
    this.xy.length = firstVertex * 2;
    if (this.z) this.z.length = firstVertex;
  }

  finish(owners: string[]): NetworkColumns {
    const featureCount = this.featureCount;
    const partCount = this.partFlags.length;
    const vertexCount = this.vertexCount;
    const c = allocateColumns({
      owners,
      featureCount,
      partCount,
      vertexCount,
      hasZ: this.z !== null,
      idBytes: this.ids.bytes.length,
      propBytes: this.props.bytes.length
    });
    c.featureOwner.set(this.owner.data.subarray(0, featureCount));
    c.geomType.set(this.geomType.data.subarray(0, featureCount));
    c.featureType.set(this.featureType.data.subarray(0, featureCount));
    c.forsyningsart.set(this.forsyningsart.data.subarray(0, featureCount));
    c.fareklasse.set(this.fareklasse.data.subarray(0, featureCount));
    c.driftsstatus.set(this.driftsstatus.data.subarray(0, featureCount));
    c.margin.set(this.margin.data.subarray(0, featureCount));
    c.featureParts.set(this.featureParts.data.subarray(0, featureCount));
    c.featureParts[featureCount] = partCount;
    c.partVertices.set(this.partVertices.data.subarray(0, partCount));
    c.partVertices[partCount] = vertexCount;
    c.partFlags.set(this.partFlags.data.subarray(0, partCount));
    c.xy.set(this.xy.data.subarray(0, vertexCount * 2));
    if (this.z) c.z.set(this.z.data.subarray(0, vertexCount));
    c.idOffsets.set(this.ids.offsets);
    c.idText.set(this.ids.bytes.data.subarray(0, this.ids.bytes.length));
    c.propOffsets.set(this.props.offsets);
    c.propText.set(this.props.bytes.data.subarray(0, this.props.bytes.length));
    return c;
  }
}
