/**
 * A package (ledningspakke) as LER 2.2 GML: one `ler:Graveforespoergselssvar` per owner it names,
 * the way an owner's answer to LER looks: the owner's status as `ler:type`, its contact as a
 * `ler:Kontaktprofil`, its delivered lines (cut as in the GeoJSON package) as members with their
 * ids as `ler:id`. Several owners make a `gml:FeatureCollection` of answers (package.gml); one
 * owner's answer is a document of its own (gml/<owner>.gml in the package's zip). An owner's whole
 * network is written the same way, as an answer that delivers every line (networkGml).
 */
import { nameUuid, writeAnswerCollection, writeGraveforespoergselssvar, type AnswerHeader, type CollectionAnswer, type FeatureSource, type Kontaktprofil, type WritableFeature } from './gml-writer.js';
import { STATUS, type Package, type PackageOwner } from './types.js';

/** Statuses whose lines the package delivers. */
const DELIVERED: ReadonlySet<string> = new Set([STATUS.delivered, STATUS.marking]);

const MAIL = /[^\s,;:<>()[\]"']+@[^\s,;:<>()[\]"']+\.[A-Za-z]{2,}/;
const PHONE = /\+?\d[\d ().-]{5,}\d/;

/**
 * A contact profile from an owner's name and free-text contact: the first e-mail address and
 * phone number found in it (LER wants at least one); null when it holds neither.
 */
export function contactProfileOf(name: string, contact: string | null): Kontaktprofil | null {
  if (contact === null) return null;
  const mail = MAIL.exec(contact)?.[0] ?? null;
  let phone = PHONE.exec(contact)?.[0].trim() ?? null;
  // A Danish number has 8 digits, an international one at most 15.
  const digits = phone?.replace(/\D/g, '').length ?? 0;
  if (digits < 8 || digits > 15) phone = null;
  // LER's telefonnummer holds at most 15 characters: without spaces if it must.
  if (phone !== null && phone.length > 15) phone = phone.replace(/[^\d+]/g, '');
  if (phone !== null && phone.length > 15) phone = null;
  if (mail === null && phone === null) return null;
  return { navn: name, telefonnummer: phone, mailadresse: mail !== null && mail.length <= 254 ? mail : null };
}

/** The answer's UUID: the same for the same request, owner and answer of the owner (a new answer, a new id). */
export function answerId(pkg: Package, owner: PackageOwner): string {
  return nameUuid(`ler-engine:dig-request:${pkg.id}:owner:${owner.owner}:answer:${owner.answer?.at ?? 'registry'}`);
}

/** An owner's entry of the package as an answer's header. */
export function answerHeaderOf(pkg: Package, owner: PackageOwner): AnswerHeader {
  const profile = contactProfileOf(owner.name || owner.owner, owner.contact);
  const reason = owner.answer?.reason ?? null;
  let info = reason ?? owner.message;
  // A contact LER's profile cannot hold (no address, no number) is said in words.
  if (profile === null && owner.contact !== null && owner.contact.trim() !== '') info = `${info} Kontakt: ${owner.contact.trim()}`;
  return {
    id: answerId(pkg, owner),
    type: owner.status,
    // When the owner expects to answer, else when LER's rule says it must.
    forventetAfleveringstidspunkt: owner.status === STATUS.manual ? (owner.answer?.expectedAt ?? pkg.answerDeadline) : null,
    gyldigTil: owner.answer?.validUntil ?? pkg.validUntil,
    typeSupplerendeInfo: info,
    kontaktprofil: profile
  };
}

/** The owner's delivered lines as features (none unless its status delivers them). */
export function answerFeatures(owner: PackageOwner): WritableFeature[] {
  if (!DELIVERED.has(owner.status)) return [];
  return owner.conflicts
    .filter((c) => c.geometry !== null)
    .map((c) => ({ type: 'Feature', id: c.featureId, geometry: c.geometry, properties: { ...c.properties, featureType: c.featureType } }));
}

/** Every owner's answer, in the package's order. */
export function packageAnswers(pkg: Package): CollectionAnswer[] {
  return pkg.owners.map((o) => ({ header: answerHeaderOf(pkg, o), features: answerFeatures(o), crs: pkg.crs }));
}

/** The whole package: a gml:FeatureCollection of every owner's answer. */
export function packageGml(pkg: Package): AsyncIterable<string> {
  return writeAnswerCollection(packageAnswers(pkg));
}

/** One owner's answer as a document of its own. */
export function ownerAnswerGml(pkg: Package, owner: PackageOwner): AsyncIterable<string> {
  return writeGraveforespoergselssvar(answerHeaderOf(pkg, owner), answerFeatures(owner), { crs: pkg.crs });
}

/**
 * An owner's whole network as LER GML: a Graveforespoergselssvar-shaped document (LER's schema has
 * no document for a network) that delivers every feature, with the owner's contact; its id is the
 * same for the same version. Give the features as a pass per member kind to keep memory flat.
 */
export function networkGml(owner: { owner: string; name: string | null; contact: string | null }, version: number, features: FeatureSource, crs = 'EPSG:25832'): AsyncIterable<string> {
  const header: AnswerHeader = {
    id: nameUuid(`ler-engine:network:${owner.owner}:version:${version}`),
    type: STATUS.delivered,
    kontaktprofil: contactProfileOf(owner.name ?? owner.owner, owner.contact)
  };
  return writeGraveforespoergselssvar(header, features, { crs });
}

