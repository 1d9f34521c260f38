/**
 * Builds the map page into one directory: index.html, app.js (the page with Leaflet, bundled) and
 * app.css (Leaflet's styles and ours, its images inlined). Nothing is left to fetch at run time.
 *
 *   node --import tsx web/build.ts [outDir]     # default dist/web
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the page into `outDir` (made when missing); returns the files written. */
export async function buildWeb(outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(here, 'src', 'main.ts'), style: join(here, 'style.css') },
    outdir: outDir,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    loader: { '.png': 'dataurl', '.svg': 'dataurl' },
    legalComments: 'linked',
    metafile: true,
    logLevel: 'silent'
  });
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
  return [join(outDir, 'index.html'), ...Object.keys(result.metafile.outputs).map((f) => resolve(f))];
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(here, '..', 'dist', 'web'));
  buildWeb(out).then(
    (files) => console.log(`map page built: ${files.length} files in ${out}`),
    (error: unknown) => {
      console.error(`map page build failed: ${(error as Error).message}`);
      process.exit(1);
    }
  );
}
