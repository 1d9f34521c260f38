/** What a registry tells contractors about an owner (ledningsejer). */
export interface OwnerProfile {
  owner: string;
  name: string | null;
  /** How to reach the owner about a dig: phone, e-mail, on-call service. */
  contact: string | null;
  /** The owner shows its `meget farlig` lines on site before digging (påvisning). */
  requiresMarking: boolean;
}

/** Characters of a contact, in a profile and in an interest area: a few lines, never a document. */
export const CONTACT_MAX_LENGTH = 500;
