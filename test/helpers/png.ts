/**
 * A minimal PNG reader for tests: checks the signature and every chunk's CRC, reads IHDR and pHYs,
 * inflates IDAT with node:zlib and undoes the five row filters. 8-bit greyscale, RGB and RGBA,
 * without interlacing: what the package map's renderer writes.
 */
import { crc32, inflateSync } from 'node:zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngChunk {
  type: string;
  data: Buffer;
}

export interface DecodedPng {
  width: number;
  height: number;
  /** Pixels per metre from pHYs, when present and in metres. */
  pxPerMetre: number | null;
  /** RGBA, 4 bytes per pixel, rows top to bottom. */
  rgba: Uint8Array;
  chunks: string[];
}

/** The chunks in order; throws on a bad signature, a truncated chunk or a wrong CRC. */
export function pngChunks(png: Buffer): PngChunk[] {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('Not a PNG: bad signature.');
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < png.length) {
    if (at + 12 > png.length) throw new Error(`Truncated chunk at byte ${at}.`);
    const length = png.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > png.length) throw new Error(`Chunk at byte ${at} runs past the end.`);
    const type = png.toString('latin1', at + 4, at + 8);
    const crc = png.readUInt32BE(at + 8 + length);
    if (crc32(png.subarray(at + 4, at + 8 + length)) !== crc) throw new Error(`Chunk ${type} at byte ${at} has a wrong CRC.`);
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at = end;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR' || chunks.at(-1)?.type !== 'IEND') throw new Error('A PNG starts with IHDR and ends with IEND.');
  return chunks;
}

/** Width and height from IHDR. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const ihdr = pngChunks(png)[0].data;
  return { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4) };
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 6: 4 };

export function decodePng(png: Buffer): DecodedPng {
  const chunks = pngChunks(png);
  const ihdr = chunks[0].data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const [depth, colourType, , , interlace] = [ihdr[8], ihdr[9], ihdr[10], ihdr[11], ihdr[12]];
  const channels = CHANNELS[colourType];
  if (depth !== 8 || channels === undefined || interlace !== 0) throw new Error(`Unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${interlace}.`);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`IDAT holds ${raw.length} bytes, ${height * (stride + 1)} expected.`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[row + i - channels] : 0;
      const b = y > 0 ? pixels[prev + i] : 0;
      const c = y > 0 && i >= channels ? pixels[prev + i - channels] : 0;
      let predicted: number;
      switch (filter) {
        case 0: predicted = 0; break;
        case 1: predicted = a; break;
        case 2: predicted = b; break;
        case 3: predicted = (a + b) >> 1; break;
        case 4: predicted = paeth(a, b, c); break;
        default: throw new Error(`Row ${y} has filter type ${filter}.`);
      }
      pixels[row + i] = (raw[src + i] + predicted) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    rgba[p * 4] = pixels[s];
    rgba[p * 4 + 1] = pixels[s + (channels >= 3 ? 1 : 0)];
    rgba[p * 4 + 2] = pixels[s + (channels >= 3 ? 2 : 0)];
    rgba[p * 4 + 3] = channels === 4 ? pixels[s + 3] : 255;
  }
  const phys = chunks.find((c) => c.type === 'pHYs');
  const pxPerMetre = phys !== undefined && phys.data[8] === 1 ? phys.data.readUInt32BE(0) : null;
  return { width, height, pxPerMetre, rgba, chunks: chunks.map((c) => c.type) };
}

/** How many pixels have exactly this colour (#rrggbb), fully opaque. */
export function countColour(png: DecodedPng, hex: string, region?: { x0: number; y0: number; x1: number; y1: number }): number {
  const r = parseInt(hex.slice(1, 3), 16);
  const g = parseInt(hex.slice(3, 5), 16);
  const b = parseInt(hex.slice(5, 7), 16);
  const { x0, y0, x1, y1 } = region ?? { x0: 0, y0: 0, x1: png.width, y1: png.height };
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(png.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(png.width, x1); x++) {
      const i = (y * png.width + x) * 4;
      if (png.rgba[i] === r && png.rgba[i + 1] === g && png.rgba[i + 2] === b && png.rgba[i + 3] === 255) n++;
    }
  }
  return n;
}

/** How many pixels in the region are not pure opaque white. */
export function inked(png: DecodedPng, region: { x0: number; y0: number; x1: number; y1: number }): number {
  const all = (region.x1 - region.x0) * (region.y1 - region.y0);
  return all - countColour(png, '#ffffff', region);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

