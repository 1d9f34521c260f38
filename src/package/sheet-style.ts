/** Colours and dashes of the package map, shared by the map, its legend and the map page. */

/** Line colours by fareklasse; `ukendt` for lines without one. */
export const FAREKLASSE_COLOURS: Record<string, string> = {
  'meget farlig': '#d7191c',
  farlig: '#f28e2b',
  'ikke farlig': '#2c7bb6',
  ukendt: '#7f7f7f'
};

/** The colour a conflict is drawn in: its fareklasse's, or `ukendt`'s for none or an unknown one. */
export function fareklasseColour(fareklasse: string | null): string {
  return fareklasse !== null && Object.hasOwn(FAREKLASSE_COLOURS, fareklasse) ? FAREKLASSE_COLOURS[fareklasse] : FAREKLASSE_COLOURS.ukendt;
}

export const INFO_ZONE_FILL = '#fff1b8';
export const INFO_ZONE_EDGE = '#d4a514';
export const DIG_AREA_FILL = '#e4e4e4';
/** Lines only in the information zone are dashed. */
export const INFO_ZONE_DASH = '10 6';
