import { ACCURACY_METRES, DEFAULT_COARSE_ACCURACY, NOEJAGTIGHEDSKLASSE, codeOf } from './ler.js';

/**
 * The margin m(F) of a feature in metres: half its width plus its horizontal accuracy.
 * Width is `bredde` (metres) when given, else `udvendigDiameter` (millimetres), else 0.
 * Accuracy is the class's bound; `> 2.00 m` counts as `coarseAccuracy`; no class counts as 0.
 * Attributes are assumed validated (see `src/input`).
 */
export function marginOf(properties: Record<string, unknown> | null | undefined, coarseAccuracy = DEFAULT_COARSE_ACCURACY): number {
  if (!properties) return 0;
  let width = 0;
  const bredde = properties.bredde;
  const diameter = properties.udvendigDiameter;
  if (typeof bredde === 'number' && bredde > 0) width = bredde;
  else if (typeof diameter === 'number' && diameter > 0) width = diameter / 1000;
  return width / 2 + accuracyOf(codeOf(NOEJAGTIGHEDSKLASSE, properties.noejagtighedsklasse), coarseAccuracy);
}

/** Horizontal accuracy in metres for a `noejagtighedsklasse` code (0 = absent). */
export function accuracyOf(code: number, coarseAccuracy = DEFAULT_COARSE_ACCURACY): number {
  if (code <= 0) return 0;
  const metres = ACCURACY_METRES[code - 1];
  return Number.isNaN(metres) ? coarseAccuracy : metres;
}
