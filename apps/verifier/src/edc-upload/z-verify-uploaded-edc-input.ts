import { isTrustAnchorSource, type TrustAnchorSource } from '@alma/trust'
import { z } from 'zod'

/**
 * Largest upload read (security.md, "oversized input → rejected"): 2 MiB, the most the FORMAT
 * check validates (SHACL_LIMITS of @alma/elm/shacl). The EC samples are 110–150 KB, ours ~170 KB
 * with two certificate pages; 5 MB held the request thread for 8 s (issue 12 §3).
 */
export const MAX_EDC_UPLOAD_BYTES = 2 * 1024 * 1024

/** The EDC SHACL application profiles `@alma/elm/shacl` validates against. */
export const zEdcShaclProfile = z.enum(['generic-full', 'issued-by-mandate', 'accredited'])

/**
 * What `verifyUploadedEdc` is called with. The file's content is not checked here (it is what the
 * `file` check reports on); only the caller's configuration is.
 */
export const zVerifyUploadedEdcInput = z.object({
  /** The uploaded file: JSON text or its bytes (UTF-8). */
  file: z.union([z.string(), z.instanceof(Uint8Array)]),
  /**
   * Trust anchors for seal certificates: PEM or base64 DER certificates, or a source judged at the
   * seal's proven time (EU trusted lists, issue 13 §5). Empty fails closed.
   */
  trustAnchors: z.union([
    z.array(z.string()).readonly(),
    z.custom<TrustAnchorSource>(isTrustAnchorSource, 'must be certificates or a trust anchor source'),
  ]),
  /** Trust anchors for time-stamping authorities; default `trustAnchors` when that is a list, none otherwise. */
  timestampTrustAnchors: z.array(z.string()).readonly().optional(),
  /** The verification time; default the current time. */
  now: z.date().optional(),
  /** CRLs the configuration provides, by distribution point URL (nothing is fetched). */
  crls: z
    .custom<ReadonlyMap<string, Uint8Array | string>>((value) => value instanceof Map, 'crls must be a Map')
    .optional(),
  /** Require QcCompliance and QcType e-seal in the seal certificate (ETSI EN 319 412-5). */
  requireQcSeal: z.boolean().optional(),
  /** A CRL the certificate names but that is not provided makes `certificate-revocation` an ERROR. */
  requireRevocationCheck: z.boolean().optional(),
  /** The SHACL profile for FORMAT; default chosen from `credentialProfiles` (generic-full otherwise). */
  shaclProfile: zEdcShaclProfile.optional(),
})
export type VerifyUploadedEdcInput = z.input<typeof zVerifyUploadedEdcInput>
