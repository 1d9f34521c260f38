import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress } from '../src/cli/progress.js';
import { hasTerminalCodes } from './helpers/cli-run.js';

/** A stream that keeps what is written, a terminal or not. */
function sink(tty: boolean): Writable & { isTTY: boolean; text: () => string } {
  const parts: string[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk.toString());
      cb();
    }
  });
  return Object.assign(w, { isTTY: tty, columns: 120, text: () => parts.join('') });
}

describe('progress on stderr', () => {
  it('draws one line in place on a terminal: bar, amounts, rate and ETA, cleared at the end', () => {
    const s = sink(true);
    const p = new Progress(s, { label: 'import dk-el', unit: 'bytes' });
    p.update(2_500_000, 10_000_000, '1200 features');
    p.finish();
    const text = s.text();
    expect(text.startsWith('\r\x1b[K')).toBe(true);
    expect(text).toMatch(/import dk-el \[#{5}\.{15}\] 25% 2\.5 MB of 10\.0 MB, 1200 features, [\d.]+ MB\/s, ETA /);
    expect(text.endsWith('\r\x1b[K')).toBe(true);
    expect(text).not.toContain('\n');
  });

  it('writes plain lines when not a terminal: one per tenth, no carriage return or escape, a last line on finish', () => {
    const s = sink(false);
    const p = new Progress(s, { label: 'check', unit: 'areas' });
    for (let done = 0; done <= 1000; done += 5) p.update(done, 1000);
    p.finish({ done: 1000, total: 1000 });
    const lines = s.text().trimEnd().split('\n');
    expect(hasTerminalCodes(s.text())).toBe(false);
    // The first call, then 10%, 20%, ... 90%, then the final line.
    expect(lines.map((l) => /^check (\d+)% /.exec(l)?.[1])).toEqual(['0', '10', '20', '30', '40', '50', '60', '70', '80', '90', '100']);
    expect(lines[10]).toMatch(/^check 100% 1000 of 1000, \d+ areas\/s, [\d.]+ s elapsed$/);
  });

  it('without a total, shows the amount so far', () => {
    const s = sink(false);
    new Progress(s, { label: 'import dk-el', unit: 'bytes' }).update(3_000_000, null, '10 features');
    expect(s.text()).toMatch(/^import dk-el 3\.0 MB, 10 features, [\d.]+ MB\/s, [\d.]+ s elapsed\n$/);
  });
});
