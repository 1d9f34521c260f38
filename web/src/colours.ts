/**
 * Colours of the danger classes (fareklasse), the same as the package's SVG map uses, and the
 * order from the most dangerous down.
 */
export const FAREKLASSE_COLOURS: Record<string, string> = {
  'meget farlig': '#d7191c',
  farlig: '#f28e2b',
  'ikke farlig': '#2c7bb6',
  ukendt: '#7f7f7f'
};

/** An area with nothing in it. */
export const NO_CONFLICT_COLOUR = '#1a9641';
/** An area that could not be checked. */
export const FAILED_COLOUR = '#222222';
/** The dig area's outline. */
export const DIG_AREA_COLOUR = '#6a3d9a';
/** Features an upload's report points at. */
export const OFFENDING_COLOUR = '#e7298a';

export const DANGER_ORDER = ['meget farlig', 'farlig', 'ikke farlig', 'ukendt'] as const;

/** The colour of a danger class (null or unknown: ukendt's). */
export function colourOf(fareklasse: string | null | undefined): string {
  return FAREKLASSE_COLOURS[fareklasse ?? 'ukendt'] ?? FAREKLASSE_COLOURS.ukendt;
}
