import { generateKeyPairSync, type webcrypto } from 'node:crypto'
import { createDevCa, type DevCa, issueSealCertificate } from '@alma/trust'
import { beforeAll, describe, expect, it } from 'vitest'
import { sealCertificateProblem } from './seal-certificates.ts'

const ISSUER = 'https://issuer.example/uni-a'
let ca: DevCa

async function leaf(fields: { organizationIdentifier?: string; issuerIdentifier?: string } = {}): Promise<string> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const seal = await issueSealCertificate(ca, {
    publicKey: publicKey.export({ format: 'jwk' }) as webcrypto.JsonWebKey,
    organizationName: 'University of Adlerstadt',
    commonName: 'University of Adlerstadt',
    country: 'DE',
    organizationIdentifier: fields.organizationIdentifier ?? 'VATDE-123456789',
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2028-01-01T00:00:00Z'),
    ...(fields.issuerIdentifier ? { issuerIdentifier: fields.issuerIdentifier } : {}),
  })
  return seal.x5c[0]!
}

beforeAll(async () => {
  ca = await createDevCa({ name: 'Alma Test CA', country: 'DE', now: new Date('2026-01-01T00:00:00Z') })
})

describe('sealCertificateProblem (a tenant seal certificate must name what verifiers bind it to)', () => {
  const tenant = { issuerIdentifier: ISSUER, eidasIdentifier: 'VATDE-123456789' }

  it('accepts the tenant’s organisation with its Credential Issuer Identifier as SAN URI', async () => {
    expect(sealCertificateProblem(await leaf({ issuerIdentifier: ISSUER }), tenant)).toBeUndefined()
  })

  it('names the missing subjectAltName, another tenant’s URI, and another organizationIdentifier', async () => {
    expect(sealCertificateProblem(await leaf(), tenant)).toBe(
      `the seal certificate 'University of Adlerstadt' has no subjectAltName, so it does not identify the issuer ${ISSUER}; it needs a subjectAltName URI ${ISSUER}, or SD-JWT VC verifiers refuse what it seals (HAIP 1.0 §6.1.1)`,
    )
    expect(sealCertificateProblem(await leaf({ issuerIdentifier: 'https://issuer.example/uni-b' }), tenant)).toMatch(
      /^the seal certificate 'University of Adlerstadt' names URI https:\/\/issuer\.example\/uni-b, dNSName issuer\.example: no URI equal to it/,
    )
    expect(
      sealCertificateProblem(
        await leaf({ issuerIdentifier: ISSUER, organizationIdentifier: 'VATFR-999999999' }),
        tenant,
      ),
    ).toBe(
      "the certificate's organizationIdentifier VATFR-999999999 is not the tenant's eIDAS identifier VATDE-123456789; verifiers would fail the issuer linkage",
    )
  })
})
