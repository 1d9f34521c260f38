/**
 * Reading the files a command is given: as a stream of bytes counted as they go (uploads and
 * validation, for progress), or whole as one GeoJSON document (dig areas, batches). `-` is
 * standard input.
 */
import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { LerError } from '../errors.js';

export interface CountedSource {
  /** The bytes, as they are read. */
  chunks: AsyncIterable<Uint8Array>;
  /** Bytes read so far. */
  readonly bytes: number;
  /** The file's size when known (a regular file), else null. */
  size: number | null;
  /** Stops reading: the iteration fails with this error. */
  abort(error: Error): void;
}

export function openSource(path: string, stdin: Readable = process.stdin): CountedSource {
  let size: number | null = null;
  let stream: Readable;
  if (path === '-') {
    stream = stdin;
  } else {
    const stat = statSync(path);
    if (stat.isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR', syscall: 'read', path });
    size = stat.isFile() ? stat.size : null;
    stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  }
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      yield chunk;
    }
  }
  return {
    chunks: counted(),
    get bytes() {
      return bytes;
    },
    size,
    abort(error: Error) {
      stream.destroy(error);
    }
  };
}

/** A whole GeoJSON document; malformed JSON is INPUT_SYNTAX with the parser's own words. */
export async function readJson(path: string, stdin: Readable = process.stdin): Promise<unknown> {
  let text: string;
  if (path === '-') {
    const parts: Buffer[] = [];
    for await (const chunk of stdin as AsyncIterable<Buffer>) parts.push(chunk);
    text = Buffer.concat(parts).toString('utf8');
  } else {
    text = await readFile(path, 'utf8');
  }
  if (text.trim() === '') throw new LerError('INPUT_EMPTY', {}, `(${path})`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new LerError('INPUT_SYNTAX', {}, `${path}: ${(error as Error).message}.`);
  }
}
