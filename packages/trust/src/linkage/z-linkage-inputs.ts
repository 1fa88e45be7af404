import { z } from 'zod'

// The parts of a DID document the linkage reads (W3C DID Core 1.0 §5.2 verification methods,
// §5.3.3 assertionMethod; RFC 7517 §4.7 x5c). Loose: a DID document has many other members.
export const zLinkageJwk = z.looseObject({
  kty: z.string(),
  kid: z.string().optional(),
  x5c: z.array(z.string()).optional(),
})

export const zLinkageVerificationMethod = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  controller: z.string().optional(),
  publicKeyJwk: zLinkageJwk.optional(),
})
export type LinkageVerificationMethod = z.infer<typeof zLinkageVerificationMethod>

export const zLinkageDidDocument = z.looseObject({
  id: z.string(),
  verificationMethod: z.array(zLinkageVerificationMethod).optional(),
  assertionMethod: z.array(z.union([z.string(), zLinkageVerificationMethod])).optional(),
})

// ELM / EDC: an Organisation's identifiers and places (ELM 3, EDC JSON-LD compaction: a single
// value may come as an object or as a one-element array, a concept as `{ id }` or as its URI).
const zConcept = z.union([z.string(), z.looseObject({ id: z.string() })])
const zOneOrMany = <T extends z.ZodType>(schema: T) => z.union([schema, z.array(schema)])

export const zElmLegalIdentifier = z.looseObject({
  notation: z.string().optional(),
  spatial: zConcept.optional(),
})

export const zElmIssuerIdentity = z.looseObject({
  id: z.string().optional(),
  eIDASIdentifier: zOneOrMany(zElmLegalIdentifier).optional(),
  location: zOneOrMany(
    z.looseObject({
      address: zOneOrMany(z.looseObject({ countryCode: zConcept.optional() })).optional(),
    }),
  ).optional(),
})
export type ElmIssuerIdentity = z.infer<typeof zElmIssuerIdentity>
