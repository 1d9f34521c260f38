/**
 * The layers of the design are kept by the lint rule (eslint.config.js): a module that imports
 * upward fails `npm run lint`. Checked here on code that does so, so that the rule cannot go
 * quietly missing.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layers', () => {
  it.each([
    ['src/index/x.ts', "import { readArea } from '../query/area-reader.js';"],
    ['src/index/x.ts', "import { readFeature } from '../input/feature.js';"],
    ['src/geometry/x.ts', "import type { Package } from '../package/types.js';"],
    ['src/crs/x.ts', "import { buildApp } from '../http/app.js';"],
    ['src/rules/x.ts', "import { run } from '../cli/main.js';"],
    ['src/model/x.ts', "import type { Engine } from '../engine.js';"],
    ['src/package/x.ts', "import type { Store } from '../store/store.js';"],
    ['src/store/x.ts', "import { assemblePackage } from '../package/assemble.js';"],
    ['src/query/x.ts', "import { Engine } from '../engine.js';"],
    ['src/http/routes/x.ts', "import { dig } from '../../cli/commands/dig.js';"]
  ])('%s may not: %s', async (file, code) => {
    expect(await restricted(file, `${code}\n`)).toHaveLength(1);
  });

  it.each([
    ['src/index/x.ts', "import { PreparedArea } from '../geometry/index.js';"],
    ['src/query/x.ts', "import { NetworkIndex } from '../index/network-index.js';"],
    ['src/package/x.ts', "import { projectLonLat } from '../crs/index.js';"],
    ['src/http/routes/x.ts', "import { Engine } from '../../engine.js';"],
    ['src/cli/commands/x.ts', "import { packageSvg } from '../../package/views.js';"]
  ])('%s may: %s', async (file, code) => {
    expect(await restricted(file, `${code}\n`)).toEqual([]);
  });
});
