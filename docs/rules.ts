/** Writes docs/rules.md from the rule catalogue: `npm run rules:docs`. */
import { writeFileSync } from 'node:fs';
import { rulesMarkdown } from '../src/rules/catalogue.js';

writeFileSync(new URL('./rules.md', import.meta.url), rulesMarkdown());
console.log('wrote docs/rules.md');
