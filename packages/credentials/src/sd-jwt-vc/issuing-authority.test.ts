// issuing_authority of an SD-JWT VC is spelled as the seal certificate that signs it spells the
// sealer (issue 12 §1): verifiers compare the two.
import { describe, expect, it } from 'vitest'
import { createHolder, createTestIssuer, decodeJws, exampleEdc } from '../test-fixtures.ts'
import { EU_LEARNING_CREDENTIAL_VCT } from './claims.ts'
import { createSdJwtVc } from './create-sd-jwt-vc.ts'

const ISSUER_URL = 'https://issuer.example/uni-a'

async function issuingAuthority(organizationName: string, language: string, x5c = true): Promise<unknown> {
  const issuer = await createTestIssuer('did:web:issuer.example:uni-a', 'uni-a', {
    organizationName,
    issuerIdentifier: ISSUER_URL,
  })
  const sdJwt = await createSdJwtVc({
    edc: exampleEdc(),
    vct: EU_LEARNING_CREDENTIAL_VCT,
    issuer: ISSUER_URL,
    tenantId: issuer.tenantId,
    holderJwk: createHolder().publicJwk,
    status: { uri: `${ISSUER_URL}/status/1`, idx: 1 },
    now: new Date('2026-07-20T10:00:00Z'),
    sign: issuer.signer,
    language,
    x5c,
  })
  // issuing_authority is in the clear (the EU learning credential's sd: never).
  return decodeJws(sdJwt.split('~')[0]!).payload.issuing_authority
}

describe('createSdJwtVc: issuing_authority', () => {
  it("takes the certificate's spelling when it is one of the EDC issuer's legal names, in any language", async () => {
    // The example issuer is "University of Adlerstadt" (en) / "Universität Adlerstadt" (de).
    expect(await issuingAuthority('University of Adlerstadt', 'de')).toBe('University of Adlerstadt')
    expect(await issuingAuthority('Universität Adlerstadt', 'en')).toBe('Universität Adlerstadt')
  })

  it('keeps the legal name of the claim language when the certificate names someone else, or is not sent', async () => {
    expect(await issuingAuthority('Mallory Corp', 'de')).toBe('Universität Adlerstadt')
    expect(await issuingAuthority('University of Adlerstadt', 'de', false)).toBe('Universität Adlerstadt')
  })
})
