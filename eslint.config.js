import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The service's modules of types the map page may import (type-only), as web/src imports them. */
const SHARED_TYPES = ['../../src/package/types', '../../src/package/types.js'];

/**
 * The layers of the design (see README, Layout): each folder of src/ may import only the folders
 * listed for it, so that arrows point down (http/cli -> engine -> package, query, ingest, batch,
 * store -> index -> geometry). The top-level modules (engine, snapshot, pool, server, library)
 * stand above every folder but http and cli.
 */
const FOLDERS = ['geometry', 'crs', 'model', 'rules', 'index', 'input', 'query', 'package', 'store', 'ingest', 'batch', 'notify', 'http', 'cli'];
const TOP = ['engine', 'replica-sync', 'snapshot', 'pool', 'server', 'library'];
const BELOW = {
  geometry: [],
  crs: [],
  model: [],
  rules: ['model'],
  index: ['crs', 'geometry', 'model', 'rules'],
  input: ['crs', 'geometry', 'index', 'model', 'rules'],
  query: ['crs', 'geometry', 'index', 'input', 'model', 'rules'],
  package: ['crs', 'geometry', 'model'],
  store: ['index', 'model'],
  ingest: ['crs', 'geometry', 'index', 'input', 'model', 'rules'],
  batch: ['crs', 'geometry', 'index', 'input', 'model', 'query', 'pool'],
  // Webhooks: signing, address checks, sending, the outbox's dispatcher.
  notify: ['index', 'model', 'store'],
  http: FOLDERS.filter((f) => f !== 'cli' && f !== 'http').concat(TOP),
  cli: FOLDERS.filter((f) => f !== 'http' && f !== 'cli').concat(TOP)
};

function layerRules(folder) {
  const allowed = new Set([folder, ...BELOW[folder]]);
  const folders = FOLDERS.filter((f) => !allowed.has(f));
  const tops = TOP.filter((t) => !allowed.has(t));
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...folders.map((f) => ({ group: [`**/${f}/*`, `**/${f}/**`], message: `src/${folder} sits below src/${f}: it may import only ${[...BELOW[folder]].map((b) => `src/${b}`).join(', ') || 'src/errors and src/types'} (see eslint.config.js, BELOW).` })),
          ...(tops.length > 0 ? [{ group: tops.map((t) => `**/${t}.js`), message: `src/${folder} sits below the engine: it may not import ${tops.join(', ')}.` }] : [])
        ]
      }]
    }
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', performance: 'readonly', SharedArrayBuffer: 'readonly' }
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use an `as const` object instead of enum.' }],
      eqeqeq: ['error', 'smart']
    }
  },
  {
    // The map page runs in the browser.
    files: ['web/src/**/*.ts'],
    languageOptions: {
      globals: {
        window: 'readonly', document: 'readonly', location: 'readonly', history: 'readonly', sessionStorage: 'readonly',
        fetch: 'readonly', Response: 'readonly', Blob: 'readonly', File: 'readonly', URL: 'readonly', URLSearchParams: 'readonly',
        XMLHttpRequest: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', requestAnimationFrame: 'readonly',
        HTMLElement: 'readonly', Node: 'readonly'
      }
    },
    rules: {
      // The page shares the service's wire types and nothing else of its code: from src/ only type
      // imports of the shared type modules, which import no Node type (web/tsconfig.json has none).
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: SHARED_TYPES.map((name) => ({ name, allowTypeImports: true, message: 'The page takes only types from the service\'s shared type modules: `import type`.' })),
        patterns: [
          { group: ['**/src/**'], message: 'The page imports nothing of the service\'s code; its wire types are in src/package/types.ts and web/src/openapi.d.ts.' },
          { group: ['node:*'], message: 'The page runs in the browser.' }
        ]
      }]
    }
  },
  ...FOLDERS.map(layerRules)
);
