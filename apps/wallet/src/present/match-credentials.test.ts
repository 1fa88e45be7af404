import { beforeAll, describe, expect, it } from 'vitest'
import { CredentialStore, type StoredCredential } from '../credential-store.ts'
import { generateHolderKey } from '../holder-keys.ts'
import { issueTestSdJwt, issueTestVcJwt, newCredential, TEST_VCT } from '../testing/test-credentials.ts'
import { matchCredentials } from './match-credentials.ts'

let sdJwt: StoredCredential
let vcJwt: StoredCredential
let all: readonly StoredCredential[]
beforeAll(async () => {
  const store = CredentialStore.inMemory()
  const key = await generateHolderKey()
  sdJwt = await store.add(
    newCredential(
      'dc+sd-jwt',
      await issueTestSdJwt(
        key,
        { family_name: 'Andromeda', ects_credits: 5, eqf_level: 6 },
        { _sd: ['family_name', 'ects_credits', 'eqf_level'] },
      ),
      key,
    ),
  )
  const vcKey = await generateHolderKey()
  vcJwt = await store.add(newCredential('jwt_vc_json', await issueTestVcJwt(vcKey, { familyName: 'Andromeda' }), vcKey))
  all = store.all()
})

const sdJwtQuery = (claims?: unknown[], extra: Record<string, unknown> = {}) => ({
  id: 'mc',
  format: 'dc+sd-jwt',
  meta: { vct_values: [TEST_VCT] },
  ...(claims ? { claims } : {}),
  ...extra,
})
const vcQuery = {
  id: 'edc',
  format: 'jwt_vc_json',
  meta: { type_values: [['VerifiableCredential', 'EuropeanDigitalCredential']] },
  claims: [{ path: ['credentialSubject', 'familyName'] }],
}

describe('matching a DCQL query (OpenID4VP 1.0 §6)', () => {
  it('picks the credential of the right format and type, with the claims asked for', async () => {
    const matches = await matchCredentials(
      { credentials: [sdJwtQuery([{ path: ['family_name'] }, { path: ['ects_credits'], values: [5] }]), vcQuery] },
      all,
    )
    expect(matches.map((m) => [m.queryId, m.credential.id, m.requestedClaims])).toEqual([
      ['mc', sdJwt.id, [['family_name'], ['ects_credits']]],
      ['edc', vcJwt.id, [['credentialSubject', 'familyName']]],
    ])
  })

  it('asks for no claim when the query names none (§6.4.1)', async () => {
    const [match] = await matchCredentials({ credentials: [sdJwtQuery()] }, all)
    expect(match!.requestedClaims).toEqual([])
  })

  it('takes the first claim set the credential satisfies (§6.4.1 claim_sets)', async () => {
    const [match] = await matchCredentials(
      {
        credentials: [
          sdJwtQuery(
            [
              { id: 'name', path: ['family_name'] },
              { id: 'phone', path: ['phone_number'] },
              { id: 'level', path: ['eqf_level'] },
            ],
            {
              claim_sets: [
                ['name', 'phone'],
                ['name', 'level'],
              ],
            },
          ),
        ],
      },
      all,
    )
    expect(match!.requestedClaims).toEqual([['family_name'], ['eqf_level']])
  })

  it('fails when a value does not match or a required query has no credential', async () => {
    await expect(
      matchCredentials({ credentials: [sdJwtQuery([{ path: ['ects_credits'], values: [10] }])] }, all),
    ).rejects.toMatchObject({ code: 'no_matching_credentials', message: expect.stringContaining('mc') })
    await expect(
      matchCredentials(
        { credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: { vct_values: ['urn:eudi:pid:1'] } }] },
        all,
      ),
    ).rejects.toMatchObject({ code: 'no_matching_credentials' })
  })

  it('answers the first satisfiable option of each required credential set, and leaves optional sets out (§6.4.2)', async () => {
    const pid = { id: 'pid', format: 'dc+sd-jwt', meta: { vct_values: ['urn:eudi:pid:1'] } }
    const matches = await matchCredentials(
      {
        credentials: [pid, sdJwtQuery([{ path: ['family_name'] }]), vcQuery],
        credential_sets: [{ options: [['pid'], ['mc']] }, { options: [['edc']], required: false }],
      },
      all,
    )
    expect(matches.map((m) => m.queryId)).toEqual(['mc'])
  })

  it('rejects what is not a DCQL query', async () => {
    await expect(matchCredentials({ credentials: [] }, all)).rejects.toMatchObject({ code: 'query_unsupported' })
    await expect(matchCredentials('{"credentials":[]}', all)).rejects.toMatchObject({ code: 'query_unsupported' })
  })
})
