/**
 * Wire formats for the PostGIS peer: EWKB encoding of GeoJSON-shaped geometries, PostgreSQL's
 * binary COPY tuple format, and a `pg` submittable that streams COPY FROM STDIN with back-pressure.
 * Binary COPY with EWKB skips both the hex doubling and the server's text parsing of a text COPY.
 */
import { once } from 'node:events';
import type { Connection, Submittable } from 'pg';
import type { Geometry, Position } from '../../src/types.js';

/** EWKB geometry type codes (2-D) and the flag that says an SRID follows the type. */
const WkbType = {
  Point: 1,
  LineString: 2,
  Polygon: 3,
  MultiPoint: 4,
  MultiLineString: 5,
  MultiPolygon: 6
} as const;
const SRID_FLAG = 0x20000000;

/** Bytes of the WKB body (after byte order and type) of a geometry. */
function bodySize(g: Geometry): number {
  switch (g.type) {
    case 'Point':
      return 16;
    case 'LineString':
      return 4 + 16 * g.coordinates.length;
    case 'MultiPoint':
      return 4 + 21 * g.coordinates.length;
    case 'Polygon':
      return ringsSize(g.coordinates);
    case 'MultiLineString': {
      let n = 4;
      for (const line of g.coordinates) n += 5 + 4 + 16 * line.length;
      return n;
    }
    case 'MultiPolygon': {
      let n = 4;
      for (const poly of g.coordinates) n += 5 + ringsSize(poly);
      return n;
    }
  }
}

function ringsSize(rings: Position[][]): number {
  let n = 4;
  for (const ring of rings) n += 4 + 16 * ring.length;
  return n;
}

/** Size in bytes of the EWKB (little-endian, with SRID) of `g`. */
export function ewkbSize(g: Geometry): number {
  return 9 + bodySize(g);
}

/** Count of segments of a line geometry (0 for points and polygons); for reporting only. */
export function segmentCount(g: Geometry): number {
  if (g.type === 'LineString') return Math.max(0, g.coordinates.length - 1);
  if (g.type === 'MultiLineString') {
    let n = 0;
    for (const line of g.coordinates) n += Math.max(0, line.length - 1);
    return n;
  }
  return 0;
}

function writePositions(buf: Buffer, pos: number, pts: Position[]): number {
  buf.writeUInt32LE(pts.length, pos);
  pos += 4;
  for (const p of pts) {
    buf.writeDoubleLE(p[0], pos);
    buf.writeDoubleLE(p[1], pos + 8);
    pos += 16;
  }
  return pos;
}

function writeRings(buf: Buffer, pos: number, rings: Position[][]): number {
  buf.writeUInt32LE(rings.length, pos);
  pos += 4;
  for (const ring of rings) pos = writePositions(buf, pos, ring);
  return pos;
}

function writeHeader(buf: Buffer, pos: number, type: number): number {
  buf[pos] = 1;
  buf.writeUInt32LE(type, pos + 1);
  return pos + 5;
}

/** Writes the EWKB of `g` at `pos` (caller ensured `ewkbSize(g)` bytes); returns the end offset. */
export function writeEwkb(buf: Buffer, pos: number, g: Geometry, srid: number): number {
  pos = writeHeader(buf, pos, WkbType[g.type] | SRID_FLAG);
  buf.writeUInt32LE(srid, pos);
  pos += 4;
  switch (g.type) {
    case 'Point':
      buf.writeDoubleLE(g.coordinates[0], pos);
      buf.writeDoubleLE(g.coordinates[1], pos + 8);
      return pos + 16;
    case 'LineString':
      return writePositions(buf, pos, g.coordinates);
    case 'Polygon':
      return writeRings(buf, pos, g.coordinates);
    case 'MultiPoint':
      buf.writeUInt32LE(g.coordinates.length, pos);
      pos += 4;
      for (const p of g.coordinates) {
        pos = writeHeader(buf, pos, WkbType.Point);
        buf.writeDoubleLE(p[0], pos);
        buf.writeDoubleLE(p[1], pos + 8);
        pos += 16;
      }
      return pos;
    case 'MultiLineString':
      buf.writeUInt32LE(g.coordinates.length, pos);
      pos += 4;
      for (const line of g.coordinates) pos = writePositions(buf, writeHeader(buf, pos, WkbType.LineString), line);
      return pos;
    case 'MultiPolygon':
      buf.writeUInt32LE(g.coordinates.length, pos);
      pos += 4;
      for (const poly of g.coordinates) pos = writeRings(buf, writeHeader(buf, pos, WkbType.Polygon), poly);
      return pos;
  }
}

/** Hex EWKB, as the geometry type's text input accepts it (for statement parameters). */
export function ewkbHex(g: Geometry, srid: number): string {
  const buf = Buffer.allocUnsafe(ewkbSize(g));
  writeEwkb(buf, 0, g, srid);
  return buf.toString('hex');
}

/** One field of a binary COPY tuple. */
export type CopyField =
  | { kind: 'text'; value: string }
  | { kind: 'bytes'; value: Buffer }
  | { kind: 'float8'; value: number }
  | { kind: 'int4'; value: number }
  | { kind: 'geometry'; value: Geometry };

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Builds binary COPY data in one reusable buffer; `take()` hands out what is filled once it passes
 * `flushAt`, so a load of millions of rows never holds more than a chunk in memory.
 */
export class CopyBinaryWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(
    readonly srid: number,
    private readonly flushAt = 1 << 20
  ) {
    this.buf = Buffer.allocUnsafe(flushAt * 2);
    COPY_SIGNATURE.copy(this.buf, 0);
    this.buf.writeInt32BE(0, 11);
    this.buf.writeInt32BE(0, 15);
    this.pos = 19;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** Appends one tuple. */
  row(fields: readonly CopyField[]): void {
    let n = 2;
    for (const f of fields) {
      n += 4;
      if (f.kind === 'text') n += Buffer.byteLength(f.value, 'utf8');
      else if (f.kind === 'bytes') n += f.value.length;
      else if (f.kind === 'float8') n += 8;
      else if (f.kind === 'int4') n += 4;
      else n += ewkbSize(f.value);
    }
    this.reserve(n);
    const buf = this.buf;
    let pos = this.pos;
    buf.writeInt16BE(fields.length, pos);
    pos += 2;
    for (const f of fields) {
      const lenAt = pos;
      pos += 4;
      if (f.kind === 'text') pos += buf.write(f.value, pos, 'utf8');
      else if (f.kind === 'bytes') pos += f.value.copy(buf, pos);
      else if (f.kind === 'float8') pos = buf.writeDoubleBE(f.value, pos);
      else if (f.kind === 'int4') pos = buf.writeInt32BE(f.value, pos);
      else pos = writeEwkb(buf, pos, f.value, this.srid);
      buf.writeInt32BE(pos - lenAt - 4, lenAt);
    }
    this.pos = pos;
  }

  /** The filled part when it is worth sending (or always with `force`), else null. The view is valid until the next `row`. */
  take(force = false): Buffer | null {
    if (this.pos === 0 || (!force && this.pos < this.flushAt)) return null;
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** Appends the trailer; follow with `take(true)`. */
  end(): void {
    this.reserve(2);
    this.buf.writeInt16BE(-1, this.pos);
    this.pos += 2;
  }
}

/** The parts of `pg`'s connection that COPY FROM STDIN needs (present at runtime, absent from its types). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
}

/**
 * `COPY ... FROM STDIN` as a `pg` submittable: `client.query(new CopyIn(sql, chunks))`, then
 * `await copy.done` for the row count. Chunks are sent as produced, waiting for the socket to drain.
 */
export class CopyIn implements Submittable {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (err: Error) => void;
  private failed = false;
  private rows = 0;

  constructor(
    private readonly text: string,
    private readonly chunks: AsyncIterable<Buffer> | Iterable<Buffer>
  ) {
    this.done = new Promise<number>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  submit(connection: Connection): void {
    (connection as unknown as CopyConnection).query(this.text);
  }

  handleCopyInResponse(connection: Connection): void {
    void this.pump(connection as unknown as CopyConnection);
  }

  private async pump(con: CopyConnection): Promise<void> {
    try {
      for await (const chunk of this.chunks) {
        if (this.failed) return;
        con.sendCopyFromChunk(chunk);
        if (con.stream.writableNeedDrain) await once(con.stream, 'drain');
      }
      if (!this.failed) con.endCopyFrom();
    } catch (err) {
      // The server answers CopyFail with an error; report the cause, not that echo.
      const e = err instanceof Error ? err : new Error(String(err));
      this.failed = true;
      con.sendCopyFail(e.message);
      this.reject(e);
    }
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /(\d+)$/.exec(msg.text ?? '');
    if (m) this.rows = Number(m[1]);
  }

  handleReadyForQuery(): void {
    this.resolve(this.rows);
  }

  handleError(err: Error): void {
    this.failed = true;
    this.reject(err);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}
