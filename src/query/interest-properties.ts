/**
 * What an interest area says besides its shape: whom to contact and which kinds of supply it is
 * for. Both go into the package of every dig the area meets, so both are typed and bounded: the
 * contact as in an owner's profile, the kinds as a line's `forsyningsart` is (a LER 2.0 kind, or
 * a name of the owner's own), and the rest of the properties by the limits of any feature.
 */
import { LerError, type ErrorLocation } from '../errors.js';
import { FORSYNINGSART } from '../model/ler.js';
import { CONTACT_MAX_LENGTH } from '../model/owner.js';
import { checkPropertySizes, type PropertyLimits } from '../input/property-limits.js';

/** Characters of one kind of supply named by an owner. */
export const KIND_MAX_LENGTH = 100;
/** Kinds of supply one interest area may name. */
export const KINDS_MAX = 16;

export interface InterestProperties {
  contact: string;
  /** The kinds of supply, each once, in the order given. */
  forsyningsart: string[];
}

/**
 * Reads and checks an interest area's properties; throws a LerError (422) naming the feature and
 * a pointer to the property: ATTRIBUTE_REQUIRED, CONTACT_INVALID, ATTRIBUTE_VALUE_INVALID (the
 * kinds), PROPERTIES_INVALID, PROPERTIES_TOO_LARGE or PROPERTY_VALUE_TOO_LARGE.
 */
export function readInterestProperties(properties: unknown, where: ErrorLocation, limits: PropertyLimits): InterestProperties {
  if (properties === null || properties === undefined) throw new LerError('ATTRIBUTE_REQUIRED', { ...where, pointer: '/properties/forsyningsart' }, 'An interest area needs forsyningsart.');
  if (typeof properties !== 'object' || Array.isArray(properties)) throw new LerError('PROPERTIES_INVALID', { ...where, pointer: '/properties' });
  const props = properties as Record<string, unknown>;
  for (const name of ['forsyningsart', 'contact']) {
    const value = props[name];
    if (value === undefined || value === null || value === '') throw new LerError('ATTRIBUTE_REQUIRED', { ...where, pointer: `/properties/${name}` }, `An interest area needs ${name}.`);
  }
  const contact = props.contact;
  if (typeof contact !== 'string' || contact.trim() === '' || codePoints(contact) > CONTACT_MAX_LENGTH) {
    const got = typeof contact === 'string' ? `a string of ${codePoints(contact)} characters` : preview(contact);
    throw new LerError('CONTACT_INVALID', { ...where, pointer: '/properties/contact' }, `Got ${got}.`);
  }
  const forsyningsart = readKinds(props.forsyningsart, where);
  checkPropertySizes(props, JSON.stringify(props), limits, where);
  return { contact, forsyningsart };
}

/**
 * An interest area's properties as stored before they were typed: what can be read of them,
 * never an error (the service must start whatever it stored). Strings only, cut to the limits.
 */
export function salvageInterestProperties(properties: unknown): InterestProperties {
  const props = (properties !== null && typeof properties === 'object' ? properties : {}) as Record<string, unknown>;
  const contact = typeof props.contact === 'string' ? props.contact.slice(0, CONTACT_MAX_LENGTH) : '';
  const given = Array.isArray(props.forsyningsart) ? props.forsyningsart : [props.forsyningsart];
  const kinds = given.filter((k): k is string => typeof k === 'string' && k.trim() !== '').map((k) => k.slice(0, KIND_MAX_LENGTH));
  return { contact, forsyningsart: [...new Set(kinds)].slice(0, KINDS_MAX) };
}

function readKinds(value: unknown, where: ErrorLocation): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.length > KINDS_MAX) {
    throw new LerError('ATTRIBUTE_VALUE_INVALID', { ...where, pointer: '/properties/forsyningsart' }, `forsyningsart lists 1 to ${KINDS_MAX} kinds of supply; got ${list.length}.`);
  }
  const kinds = new Set<string>();
  list.forEach((kind, i) => {
    if (typeof kind !== 'string' || kind.trim() === '' || codePoints(kind) > KIND_MAX_LENGTH) {
      const pointer = Array.isArray(value) ? `/properties/forsyningsart/${i}` : '/properties/forsyningsart';
      throw new LerError('ATTRIBUTE_VALUE_INVALID', { ...where, pointer }, `A kind of supply is a string: one of ${FORSYNINGSART.map((k) => JSON.stringify(k)).join(', ')}, or a name of the owner's own of at most ${KIND_MAX_LENGTH} characters (a list of them in an array); got ${preview(kind)}.`);
    }
    kinds.add(kind);
  });
  return [...kinds];
}

/** Characters as a schema's maxLength counts them: code points. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff) n--;
  }
  return n;
}

/** A value shown in a problem, cut short: the problem stays small whatever was sent. */
function preview(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
