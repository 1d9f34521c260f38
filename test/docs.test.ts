/**
 * The docs stay true to the code: the generated tables (configuration, routes, errors, commands,
 * rules) are what docs/generate.ts writes now, every relative link in README.md and docs/*.md
 * points to a file that exists (and, into Markdown, to a heading it has), and the README stays a
 * front door of at most 250 lines.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGENERATE, ROOT, generateDocs } from '../docs/generate.js';

const README_MAX_LINES = 250;

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f));
  return ['README.md', ...docs.sort()];
}

/** Markdown without its fenced code blocks. */
function withoutFences(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Markdown without fenced code blocks and inline code, where a `](...)` is no link. */
function prose(text: string): string {
  return withoutFences(text).replace(/`[^`\n]*`/g, '');
}

/** The link targets of a Markdown text: inline links and images, and reference definitions. */
function links(text: string): string[] {
  const body = prose(text);
  const out: string[] = [];
  for (const m of body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]);
  for (const m of body.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) out.push(m[1]);
  for (const m of body.matchAll(/<(?:a|img)\s[^>]*(?:href|src)="([^"]+)"/g)) out.push(m[1]);
  return out;
}

/** GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutFences(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

describe('docs', () => {
  it('generated tables are what docs/generate.ts writes from the code', async () => {
    const generated = await generateDocs();
    expect([...generated.keys()].sort()).toEqual(['README.md', 'docs/cli.md', 'docs/configuration.md', 'docs/http.md', 'docs/rules.md']);
    const stale: string[] = [];
    for (const [path, text] of generated) {
      const current = readFileSync(join(ROOT, path), 'utf8');
      if (current === text) continue;
      const a = current.split('\n');
      const b = text.split('\n');
      let line = 0;
      while (line < a.length && line < b.length && a[line] === b[line]) line++;
      stale.push(`${path} differs from the code from line ${line + 1}: ${JSON.stringify(a[line] ?? '(end of file)')} should be ${JSON.stringify(b[line] ?? '(end of file)')}`);
    }
    expect(stale, `Generated docs are out of date: ${REGENERATE}.\n${stale.join('\n')}`).toEqual([]);
  });

  it('every relative link in README.md and docs/*.md points to an existing file', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const target of links(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // http:, https:, mailto:
        const [pathPart, fragment] = target.split('#', 2);
        const path = decodeURIComponent(pathPart);
        const into = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), path);
        if (path !== '' && (!existsSync(into) || relative(ROOT, into).startsWith('..'))) {
          broken.push(`${file}: ${target} (no such file in the repository)`);
          continue;
        }
        if (fragment !== undefined && fragment !== '' && into.endsWith('.md') && statSync(into).isFile()) {
          if (!anchors(readFileSync(into, 'utf8')).has(fragment)) broken.push(`${file}: ${target} (no heading #${fragment} in ${relative(ROOT, into)})`);
        }
      }
    }
    expect(broken, `Broken links:\n${broken.join('\n')}`).toEqual([]);
  });

  it(`README.md has at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n').length;
    expect(lines, `README.md is the front door: keep it to ${README_MAX_LINES} lines and move reference text to docs/`).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
