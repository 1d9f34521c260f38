/**
 * Where the conformance suite finds the peer corpora (JTS/GEOS/Turf cases in `conformance/`, the
 * Montpelier network in `vermont/`): the folder LER_CONFORMANCE_DIR names, else ../shared/data
 * beside the project (both resolved from the project root, the working directory). A missing
 * folder or file is an error that says where it looked and what to do: the suite never skips.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const CORPUS_ENV = 'LER_CONFORMANCE_DIR';
const DEFAULT_DIR = '../shared/data';

/** The corpus root, whether or not it exists. */
export function corpusRoot(): string {
  const given = process.env[CORPUS_ENV];
  return path.resolve(process.cwd(), given !== undefined && given !== '' ? given : DEFAULT_DIR);
}

function missing(what: string, looked: string): Error {
  const given = process.env[CORPUS_ENV];
  const from = given !== undefined && given !== '' ? `${CORPUS_ENV}=${given}` : `${CORPUS_ENV} is not set, so the default ${DEFAULT_DIR} from ${process.cwd()}`;
  return new Error(
    `Conformance corpus missing: ${what} ${looked} does not exist (${from}). ` +
      `Set ${CORPUS_ENV} to the folder holding the peer corpora (conformance/, vermont/), e.g. ` +
      `${CORPUS_ENV}=/path/to/shared/data npm run test:conformance, or put them at ../shared/data beside the project. ` +
      'The conformance suite never skips; `npm test` runs without the corpora.'
  );
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** A folder of the corpus, e.g. 'conformance' or 'vermont'; throws when it (or the root) is missing. */
export function corpusDir(sub: string): string {
  const root = corpusRoot();
  if (!isDir(root)) throw missing('the corpus folder', root);
  const dir = path.join(root, sub);
  if (!isDir(dir)) throw missing(`the corpus sub-folder ${sub}/ at`, dir);
  return dir;
}

/** A JSON file of a corpus folder, parsed; throws when it is missing. */
export function readCorpusJson<T>(sub: string, name: string): T {
  const file = path.join(corpusDir(sub), name);
  if (!existsSync(file)) throw missing('the corpus file', file);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
