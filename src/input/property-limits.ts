/**
 * How large what an owner stores with a feature may be: its `properties` as JSON, and each value
 * in them. Whatever an owner stores is sent again to every contractor whose dig meets the feature,
 * so a package stays in proportion to the lines in its area only when each line's properties are
 * bounded. Uploads, change sets and interest areas are all checked here.
 */
import { LerError, type ErrorLocation } from '../errors.js';

export interface PropertyLimits {
  /** Bytes of a feature's `properties` as JSON text (UTF-8). */
  maxPropertiesBytes: number;
  /** Bytes of one value: a string's UTF-8 bytes, any other value's JSON text. */
  maxPropertyValueBytes: number;
}

export const DEFAULT_PROPERTY_LIMITS: Readonly<PropertyLimits> = { maxPropertiesBytes: 16 * 1024, maxPropertyValueBytes: 4 * 1024 };

/** The limits given, over the defaults; throws OPTION_INVALID naming a limit that is not a positive whole number. */
export function resolvePropertyLimits(limits: Partial<PropertyLimits> | undefined): PropertyLimits {
  if (limits === undefined) return DEFAULT_PROPERTY_LIMITS;
  const out = { ...DEFAULT_PROPERTY_LIMITS };
  for (const key of Object.keys(out) as (keyof PropertyLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) throw new LerError('OPTION_INVALID', { pointer: `/propertyLimits/${key}` }, `${key} must be a whole number of bytes of at least 1, got ${String(value)}.`);
    out[key] = value;
  }
  return out;
}

/**
 * Checks a feature's properties against the limits: `text` is their JSON as stored (a string, or
 * the UTF-8 bytes the upload held). Throws PROPERTY_VALUE_TOO_LARGE with a pointer to the first
 * value over its limit, else PROPERTIES_TOO_LARGE (pointer `/properties`), with the feature's place.
 */
export function checkPropertySizes(props: Record<string, unknown>, text: string | Uint8Array, limits: PropertyLimits, where: ErrorLocation): void {
  const within = Math.min(limits.maxPropertyValueBytes, limits.maxPropertiesBytes);
  // No value is larger than the whole: the common case ends here (a string of n units is at most 3n bytes).
  if (typeof text === 'string' ? text.length * 3 <= within : text.length <= within) return;
  const bytes = typeof text === 'string' ? utf8Length(text) : text.length;
  if (bytes <= within) return;
  // A value too large is named first: it is most often the one thing to fix.
  for (const name in props) {
    const size = valueBytes(props[name], limits.maxPropertyValueBytes);
    if (size > limits.maxPropertyValueBytes) {
      throw new LerError('PROPERTY_VALUE_TOO_LARGE', { ...where, pointer: `/properties/${pointerToken(name)}` }, `It is ${size} bytes; at most ${limits.maxPropertyValueBytes} are taken.`);
    }
  }
  if (bytes > limits.maxPropertiesBytes) {
    throw new LerError('PROPERTIES_TOO_LARGE', { ...where, pointer: '/properties' }, `They are ${bytes} bytes; at most ${limits.maxPropertiesBytes} are taken.`);
  }
}

/** A value's size as the limit counts it; a string surely within `limit` is not measured. */
function valueBytes(value: unknown, limit: number): number {
  if (typeof value === 'string') return value.length * 3 <= limit ? value.length : utf8Length(value);
  // A number or a boolean is a few bytes: never near a limit.
  if (value === null || typeof value !== 'object') return 0;
  return utf8Length(JSON.stringify(value));
}

/** Bytes of a string in UTF-8 (a surrogate pair is 4; a lone surrogate, which JSON escapes, counts 2). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 2 bytes up to U+07FF, 3 to U+FFFF; a surrogate pair (2 units) is 4 bytes.
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

/** A property name as a JSON pointer token (RFC 6901). */
export function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
