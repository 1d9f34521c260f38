import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    }
  }
);
