/**
 * The package map as a PNG at 150 dpi on A4, rendered by resvg with the DejaVu fonts shipped as a
 * dependency and no system fonts, so the image is the same on every machine.
 */
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import { dirname, join } from 'node:path';
import type * as Resvg from '@resvg/resvg-js';
import type { Package } from './types.js';
import { SHEET } from './sheet-frame.js';
import { packageSvg } from './sheet.js';

/** Print resolution of the PNG. */
export const PNG_DPI = 150;
const PX_WIDTH = Math.round((SHEET.widthMm / 25.4) * PNG_DPI);

const require = createRequire(import.meta.url);
let renderer: typeof Resvg | null = null;
let fonts: string[] | null = null;

/** DejaVu Sans and its bold, from the dejavu-fonts-ttf package wherever it is installed. */
export function fontFiles(): string[] {
  if (fonts === null) {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fonts = [join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')];
  }
  return fonts;
}

/** The package map as PNG bytes. */
export function packagePng(pkg: Package): Buffer {
  const image = new (resvg().Resvg)(packageSvg(pkg), renderOptions()).render();
  return withResolution(image.asPng(), PNG_DPI);
}

/** The same bytes as `packagePng`, rendered off the event loop (for the HTTP service). */
export async function packagePngAsync(pkg: Package): Promise<Buffer> {
  const image = await resvg().renderAsync(packageSvg(pkg), renderOptions());
  return withResolution(image.asPng(), PNG_DPI);
}

/** The renderer, loaded on first use: the native module stays out of processes that never draw a PNG. */
function resvg(): typeof Resvg {
  renderer ??= require('@resvg/resvg-js') as typeof Resvg;
  return renderer;
}

function renderOptions(): Resvg.ResvgRenderOptions {
  return {
    fitTo: { mode: 'width', value: PX_WIDTH },
    background: '#ffffff',
    shapeRendering: 2,
    textRendering: 1,
    font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    logLevel: 'off'
  };
}

/** The PNG with a pHYs chunk right after IHDR, so that it prints at its size on A4. */
function withResolution(png: Buffer, dpi: number): Buffer {
  const ihdrEnd = 8 + 8 + 13 + 4;
  const perMetre = Math.round(dpi / 0.0254);
  const body = Buffer.alloc(13);
  body.write('pHYs', 0, 'latin1');
  body.writeUInt32BE(perMetre, 4);
  body.writeUInt32BE(perMetre, 8);
  body.writeUInt8(1, 12);
  const chunk = Buffer.alloc(21);
  chunk.writeUInt32BE(9, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), 17);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

