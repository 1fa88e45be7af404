// The admin API over real HTTP against the real app and an embedded store (style.md, practice 8):
// exact statuses and error bodies, and that a refused input stored nothing.
import { decodeTokenStatusList, readBitstringStatus, tokenStatusAt } from '@alma/credentials'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueCredentials } from '../issuance/credential.ts'
import { parseConfigurationId } from '../issuance/credential-configurations.ts'
import { hashValue } from '../issuance/secrets.ts'
import { COURSE_ID, readExample, startTestIssuer, type TestIssuer } from '../testing/issuer-harness.ts'
import { walletKey } from '../testing/test-wallet.ts'
import { ADMIN_SCOPES, createAdminApi, createApiKey, mountAdminApi } from './index.ts'

let issuer: TestIssuer
let keyA: string
let keyB: string
let readOnlyA: string
const specification = readExample('specification.json')
const ana = readExample('awards/ana-andromeda.json')

beforeAll(async () => {
  issuer = await startTestIssuer({ routes: [mountAdminApi] })
  const now = new Date()
  keyA = (await createApiKey(issuer.store, 'uni-a', ADMIN_SCOPES, now)).key
  keyB = (await createApiKey(issuer.store, 'uni-b', ADMIN_SCOPES, now)).key
  readOnlyA = (await createApiKey(issuer.store, 'uni-a', ['read'], now)).key
})
afterAll(async () => {
  await issuer?.close()
})

interface Call {
  method?: string
  key?: string | null
  body?: unknown
  raw?: string
  type?: string
  headers?: Record<string, string>
}

async function call(path: string, options: Call = {}) {
  const headers: Record<string, string> = { ...options.headers }
  const key = options.key === undefined ? keyA : options.key
  if (key !== null) headers.authorization = `Bearer ${key}`
  let body: string | undefined
  if (options.raw !== undefined) {
    body = options.raw
    headers['content-type'] = options.type ?? 'application/json'
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['content-type'] = options.type ?? 'application/json'
  }
  const response = await fetch(`${issuer.url}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body !== undefined ? { body } : {}),
  })
  const text = await response.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, json, text }
}

async function awardCount(tenant = 'uni-a'): Promise<number> {
  return (await issuer.store.awards.search(tenant, { limit: 1 })).total
}

describe('API keys', () => {
  it('401 without a key, with the Bearer challenge', async () => {
    const r = await call('/admin/uni-a/awards', { key: null })
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="alma-admin"')
    expect(r.json).toEqual({
      error: 'unauthorized',
      error_description: 'send an admin API key as "Authorization: Bearer <key>"',
    })
  })

  it('401 invalid_token for an unknown key', async () => {
    const r = await call('/admin/uni-a/awards', { key: 'alma_nope.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' })
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="alma-admin", error="invalid_token"')
    expect(r.json).toEqual({ error: 'unauthorized', error_description: 'the API key is unknown or revoked' })
  })

  it("403 for another tenant's key", async () => {
    const r = await call('/admin/uni-a/awards', { key: keyB })
    expect(r.status).toBe(403)
    expect(r.json).toEqual({ error: 'forbidden', error_description: 'this API key is not valid for tenant uni-a' })
    expect((await call('/admin/uni-b/specifications', { key: keyB })).status).toBe(200)
  })

  it('403 insufficient_scope naming the scope; reading works with read', async () => {
    const before = await awardCount()
    const r = await call('/admin/uni-a/awards', {
      key: readOnlyA,
      body: { specificationId: COURSE_ID, award: ana },
    })
    expect(r.status).toBe(403)
    expect(r.json).toEqual({
      error: 'insufficient_scope',
      error_description: 'this API key lacks the scope awards:write',
      scope: 'awards:write',
    })
    expect(await awardCount()).toBe(before)
    expect((await call('/admin/uni-a/audit', { key: readOnlyA })).json.scope).toBe('audit:read')
    expect((await call('/admin/uni-a/awards', { key: readOnlyA })).status).toBe(200)
  })
})

describe('specifications', () => {
  it('lists and reads the example course with its version as ETag', async () => {
    const list = await call('/admin/uni-a/specifications')
    expect(list.status).toBe(200)
    expect(list.json.items.map((s: { id: string }) => s.id)).toContain(COURSE_ID)
    const one = await call(`/admin/uni-a/specifications/${COURSE_ID}`)
    expect(one.status).toBe(200)
    expect(one.headers.get('etag')).toBe('"1"')
    expect(one.json.specification.title.en).toBe('Creating Digital Learning Content')
    expect(one.headers.get('cache-control')).toBe('no-store')
  })

  it('creates (201) with an Annex I report, updates with If-Match (200), refuses a stale version (409)', async () => {
    const created = await call('/admin/uni-a/specifications/course-two', { method: 'PUT', body: { specification } })
    expect(created.status).toBe(201)
    expect(created.headers.get('etag')).toBe('"1"')
    expect(created.json).toMatchObject({ id: 'course-two', version: 1, isMicroCredential: true })
    expect(created.json.annexReport).toMatchObject({ isMicroCredential: true, missing: [] })
    expect(created.json.annexReport.elements).toHaveLength(16)
    // The course is offered at once (metadata cache invalidated).
    const metadata = await (await fetch(`${issuer.url}/.well-known/openid-credential-issuer/uni-a`)).json()
    expect(Object.keys(metadata.credential_configurations_supported)).toContain('course-two_dc_sd_jwt')

    const blind = await call('/admin/uni-a/specifications/course-two', { method: 'PUT', body: { specification } })
    expect(blind.status).toBe(409)
    expect(blind.json).toEqual({
      error: 'conflict',
      error_description:
        'specification course-two exists at version 1; send If-Match: "1" (or expectedVersion) to update it',
      currentVersion: 1,
    })
    const renamed = { ...specification, title: { en: 'Course Two', de: 'Kurs Zwei' } }
    const updated = await call('/admin/uni-a/specifications/course-two', {
      method: 'PUT',
      body: { specification: renamed },
      headers: { 'if-match': '"1"' },
    })
    expect(updated.status).toBe(200)
    expect(updated.json.version).toBe(2)
    const stale = await call('/admin/uni-a/specifications/course-two', {
      method: 'PUT',
      body: { specification, expectedVersion: 1 },
    })
    expect(stale.status).toBe(409)
    expect(stale.json).toEqual({
      error: 'conflict',
      error_description: 'specification course-two is at version 2, not 1; reload and retry',
    })
    const now = await call('/admin/uni-a/specifications/course-two')
    expect(now.json.specification.title.en).toBe('Course Two')
    // Tenant-scoped: uni-b does not see it.
    expect((await call('/admin/uni-b/specifications/course-two', { key: keyB })).status).toBe(404)
  })

  it('refuses invalid input naming every field, and stores nothing', async () => {
    const { title: _title, ...untitled } = specification as Record<string, unknown>
    const r = await call('/admin/uni-a/specifications/course-bad', {
      method: 'PUT',
      body: { specification: { ...untitled, colour: 'blue' }, note: 'x' },
    })
    expect(r.status).toBe(400)
    expect(r.json.error).toBe('invalid_input')
    expect(r.json.issues).toEqual(
      expect.arrayContaining([
        { path: 'specification.title', message: expect.any(String) },
        { path: 'specification.colour', message: 'unknown field' },
        { path: 'note', message: 'unknown field' },
      ]),
    )
    expect(r.json.error_description).toMatch(/^specification is invalid: /)
    expect((await call('/admin/uni-a/specifications/course-bad')).status).toBe(404)
    const badId = await call('/admin/uni-a/specifications/Bad_Id', { method: 'PUT', body: { specification } })
    expect(badId.status).toBe(400)
    expect(badId.json.issues).toEqual([{ path: 'id', message: expect.stringMatching(/a-z, 0-9/) }])
  })
})

describe('awards', () => {
  it('creates an award from JSON with its Annex I report; held awards are approved once', async () => {
    const r = await call('/admin/uni-a/awards', { body: { specificationId: COURSE_ID, award: ana } })
    expect(r.status).toBe(201)
    expect(r.json).toMatchObject({ state: 'ready', specificationId: COURSE_ID, specificationVersion: 1 })
    expect(r.json.annexReport).toMatchObject({ isMicroCredential: true })
    const held = await call('/admin/uni-a/awards', { body: { specificationId: COURSE_ID, award: ana, hold: true } })
    expect(held.json.state).toBe('held')
    const approved = await call(`/admin/uni-a/awards/${held.json.id}/approve`, { method: 'POST' })
    expect(approved.status).toBe(200)
    expect(approved.json).toEqual({ id: held.json.id, state: 'ready' })
    const again = await call(`/admin/uni-a/awards/${held.json.id}/approve`, { method: 'POST' })
    expect(again.status).toBe(409)
    expect(again.json).toEqual({ error: 'conflict', error_description: `award ${held.json.id} is ready, not held` })
    const one = await call(`/admin/uni-a/awards/${r.json.id}`)
    expect(one.json).toMatchObject({ id: r.json.id, state: 'ready', offers: [], credentials: [] })
    expect(one.json.award.learner.givenName).toBe('Ana')
    expect((await call(`/admin/uni-b/awards/${r.json.id}`, { key: keyB })).status).toBe(404)
  })

  it('refuses a bad award naming the field, and stores nothing', async () => {
    const before = await awardCount()
    const r = await call('/admin/uni-a/awards', {
      body: {
        specificationId: COURSE_ID,
        award: { ...ana, learner: { ...(ana.learner as object), email: 'not-an-email' }, mark: 1 },
      },
    })
    expect(r.status).toBe(400)
    expect(r.json.error).toBe('invalid_input')
    expect(r.json.issues).toEqual(
      expect.arrayContaining([
        { path: 'award.learner.email', message: expect.any(String) },
        { path: 'award.mark', message: 'unknown field' },
      ]),
    )
    expect(await awardCount()).toBe(before)
    const unknownCourse = await call('/admin/uni-a/awards', { body: { specificationId: 'nope', award: ana } })
    expect(unknownCourse.status).toBe(404)
    expect(unknownCourse.json).toEqual({ error: 'not_found', error_description: 'no course specification nope' })
  })

  it('searches awards by learner text and state; unknown query parameters are named', async () => {
    const r = await call('/admin/uni-a/awards?q=andromeda&state=ready&limit=1')
    expect(r.status).toBe(200)
    expect(r.json.items).toHaveLength(1)
    expect(r.json.total).toBeGreaterThanOrEqual(2)
    const bad = await call('/admin/uni-a/awards?limit=0&sort=name')
    expect(bad.status).toBe(400)
    expect(bad.json.issues).toEqual(
      expect.arrayContaining([
        { path: 'limit', message: expect.any(String) },
        { path: 'sort', message: 'unknown field' },
      ]),
    )
  })
})

const HEADER = 'given_name,family_name,email,date_of_birth,student_number,grade,awarding_date'

describe('cohort CSV', () => {
  it('awards every row of a good file (BOM, CRLF, quotes) and reports per row', async () => {
    const csv =
      `\uFEFF${HEADER}\r\n` +
      'Zoë,"Müller, Jr.",zoe@example.org,2000-01-02,S-1,"1,7 (gut)",2026-07-15\r\n' +
      'Liam,"O""Brien",,,,Pass,2026-07-15\r\n' +
      'Mia,Rossi,mia@example.org,,S-3,Pass,2026-07-16'
    const before = await awardCount()
    const r = await call(`/admin/uni-a/awards/cohort?specificationId=${COURSE_ID}&hold=true`, {
      raw: csv,
      type: 'text/csv',
    })
    // Checked whole and queued (issue 12 §3): the awards are built in the background.
    expect(r.status).toBe(202)
    expect(r.headers.get('location')).toBe(`/admin/uni-a/cohorts/${r.json.id}`)
    expect(r.json).toMatchObject({ state: 'queued', mode: 'all-or-nothing', awardState: 'held', total: 3, pending: 3 })
    expect(r.json.rows.map((x: { row: number; state: string }) => [x.row, x.state])).toEqual([
      [2, 'pending'],
      [3, 'pending'],
      [4, 'pending'],
    ])
    await issuer.cohorts?.drain()
    const job = await call(`/admin/uni-a/cohorts/${r.json.id}`)
    expect(job.json).toMatchObject({ state: 'succeeded', issued: 3, failed: 0, pending: 0 })
    expect(await awardCount()).toBe(before + 3)
    const liam = await call(`/admin/uni-a/awards/${job.json.rows[1].awardId}`)
    expect(liam.json.state).toBe('held')
    expect(liam.json.award.learner).toEqual({ givenName: 'Liam', familyName: 'O"Brien' })
    const zoe = await call(`/admin/uni-a/awards/${job.json.rows[0].awardId}`)
    expect(zoe.json.award).toMatchObject({
      learner: { familyName: 'Müller, Jr.', identifiers: [{ schemeName: 'Student number', notation: 'S-1' }] },
      grade: '1,7 (gut)',
    })
  })

  it('with one bad row: a report per row naming the columns, and nothing stored (all-or-nothing)', async () => {
    const csv = `${HEADER}\nAda,Lovelace,ada@example.org,,,Pass,2026-07-15\nBob,Builder,bob@,,,,2026-07-15\n`
    const before = await awardCount()
    const r = await call(`/admin/uni-a/awards/cohort?specificationId=${COURSE_ID}`, { raw: csv, type: 'text/csv' })
    expect(r.status).toBe(400)
    expect(r.json.error).toBe('invalid_input')
    expect(r.json.error_description).toBe(
      'cohort CSV: 1 of 2 rows are invalid; nothing was stored (mode all-or-nothing; use mode=valid-rows to store the good rows)',
    )
    expect(r.json.stored).toBe(0)
    expect(r.json.rows[0]).toEqual({ row: 2, ok: true, learner: 'Ada Lovelace' })
    expect(r.json.rows[1]).toMatchObject({ row: 3, ok: false, learner: 'Bob Builder' })
    expect(r.json.rows[1].issues.map((i: { path: string }) => i.path).sort()).toEqual(['email', 'grade'])
    expect(r.json.issues.map((i: { path: string }) => i.path).sort()).toEqual(['row 3: email', 'row 3: grade'])
    expect(await awardCount()).toBe(before)

    const partial = await call(`/admin/uni-a/awards/cohort?specificationId=${COURSE_ID}&mode=valid-rows`, {
      raw: csv,
      type: 'text/csv',
    })
    expect(partial.status).toBe(202)
    expect(partial.json).toMatchObject({ mode: 'valid-rows', total: 2, pending: 1, failed: 1 })
    await issuer.cohorts?.drain()
    const job = await call(`/admin/uni-a/cohorts/${partial.json.id}`)
    expect(job.json).toMatchObject({ state: 'failed', issued: 1, failed: 1 })
    expect(job.json.rows[0].awardId).toEqual(expect.any(String))
    expect(job.json.rows[1]).toMatchObject({ row: 3, state: 'failed', learner: 'Bob Builder' })
    expect(await awardCount()).toBe(before + 1)
  })

  it('names an unknown or missing column, and wants text/csv', async () => {
    const r = await call(`/admin/uni-a/awards/cohort?specificationId=${COURSE_ID}`, {
      raw: 'given_name,family_name,grade,shoe_size\nA,B,Pass,42\n',
      type: 'text/csv',
    })
    expect(r.status).toBe(400)
    expect(r.json.issues).toEqual([
      { path: 'column 4 (shoe_size)', message: expect.stringMatching(/^unknown column; known: given_name/) },
      { path: 'awarding_date', message: 'required column is missing' },
    ])
    const json = await call(`/admin/uni-a/awards/cohort?specificationId=${COURSE_ID}`, { body: { rows: [] } })
    expect(json.status).toBe(415)
    expect(json.json).toEqual({
      error: 'unsupported_media_type',
      error_description: 'cohort: send the CSV file with Content-Type: text/csv',
    })
    const noCourse = await call('/admin/uni-a/awards/cohort', { raw: `${HEADER}\n`, type: 'text/csv' })
    expect(noCourse.status).toBe(400)
    expect(noCourse.json.issues).toEqual([{ path: 'specificationId', message: expect.any(String) }])
  })
})

describe('offers', () => {
  it('creates an offer with its URI, QR codes and a 6-digit tx_code', async () => {
    const award = await call('/admin/uni-a/awards', { body: { specificationId: COURSE_ID, award: ana } })
    const r = await call(`/admin/uni-a/awards/${award.json.id}/offers`, { body: { txCode: true } })
    expect(r.status).toBe(201)
    const offerUrl = `${issuer.url}/uni-a/offers/${r.json.offerId}`
    expect(r.json).toMatchObject({
      credentialOfferUri: `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(offerUrl)}`,
      sameDeviceLink: r.json.credentialOfferUri,
      qrPng: `${offerUrl}/qr.png`,
      qrSvg: `${offerUrl}/qr.svg`,
      credentialConfigurationIds: [`${COURSE_ID}_jwt_vc_json`, `${COURSE_ID}_dc_sd_jwt`],
    })
    expect(r.json.txCode).toMatch(/^\d{6}$/)
    expect(Date.parse(r.json.expiresAt)).toBeGreaterThan(Date.now())
    const png = await fetch(r.json.qrPng)
    expect(png.headers.get('content-type')).toBe('image/png')
    expect([...new Uint8Array(await png.arrayBuffer()).subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
    const svg = await fetch(r.json.qrSvg)
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
    expect(await svg.text()).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    const offerObject = await (await fetch(offerUrl)).json()
    expect(offerObject.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'].tx_code).toMatchObject({
      length: 6,
    })
    const one = await call(`/admin/uni-a/awards/${award.json.id}`)
    expect(one.json.offers).toEqual([expect.objectContaining({ id: r.json.offerId, txCodeRequired: true })])
    expect(JSON.stringify(one.json)).not.toContain(r.json.txCode)
  })

  it('without a body: both configurations and a tx_code (safe default); txCode false explicitly: none; unknown fields and configurations are refused', async () => {
    const award = await call('/admin/uni-a/awards', { body: { specificationId: COURSE_ID, award: ana } })
    const r = await call(`/admin/uni-a/awards/${award.json.id}/offers`, { method: 'POST' })
    expect(r.status).toBe(201)
    expect(r.json.txCode).toMatch(/^\d{6}$/)
    expect(r.json.credentialConfigurationIds).toEqual([`${COURSE_ID}_jwt_vc_json`, `${COURSE_ID}_dc_sd_jwt`])
    const open = await call(`/admin/uni-a/awards/${award.json.id}/offers`, { body: { txCode: false } })
    expect(open.status).toBe(201)
    expect(open.json.txCode).toBeUndefined()
    const offers = (await call(`/admin/uni-a/awards/${award.json.id}`)).json.offers
    expect(offers.map((o: { id: string; txCodeRequired: boolean }) => [o.id, o.txCodeRequired])).toEqual([
      [r.json.offerId, true],
      [open.json.offerId, false],
    ])
    const unknown = await call(`/admin/uni-a/awards/${award.json.id}/offers`, { body: { txcode: true } })
    expect(unknown.status).toBe(400)
    expect(unknown.json).toEqual({
      error: 'invalid_input',
      error_description: 'offer is invalid: txcode: unknown field',
      issues: [{ path: 'txcode', message: 'unknown field' }],
    })
    const other = await call(`/admin/uni-a/awards/${award.json.id}/offers`, {
      body: { credentialConfigurationIds: ['other_jwt_vc_json'] },
    })
    expect(other.status).toBe(400)
    expect(other.json.error_description).toBe(
      'credential_configuration_ids: other_jwt_vc_json not offered for this course',
    )
    expect((await call('/admin/uni-a/awards/nope/offers', { method: 'POST' })).status).toBe(404)
  })
})

async function statusOf(url: string, index: number): Promise<number> {
  const response = await fetch(url)
  const payload = decodeJwt(await response.text()) as Record<string, any>
  if (payload.status_list) {
    return tokenStatusAt(decodeTokenStatusList(payload.status_list.lst), payload.status_list.bits, index)
  }
  const subject = (payload.vc ?? payload).credentialSubject
  return readBitstringStatus(subject.encodedList, index)
}

describe('revocation and suspension', () => {
  it('is reflected in the served status lists, one transaction each, and audited', async () => {
    const { ctx } = issuer
    const award = await call('/admin/uni-a/awards', { body: { specificationId: COURSE_ID, award: ana } })
    const offer = await call(`/admin/uni-a/awards/${award.json.id}/offers`, { method: 'POST' })
    const tenant = await ctx.tenant('uni-a')
    // The wallet's token (issuance spends a configuration of the offer per access token).
    const token = await fetch(`${issuer.url}/uni-a/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
        'pre-authorized_code': ctx.preAuthorizedCodeFor('uni-a', offer.json.offerId),
        ...(offer.json.txCode ? { tx_code: offer.json.txCode } : {}),
      }),
    })
    expect(token.status).toBe(200)
    const accessTokenHash = hashValue(((await token.json()) as { access_token: string }).access_token)
    const storedOffer = (await issuer.store.offers.getById('uni-a', offer.json.offerId))!
    const storedAward = (await issuer.store.awards.get('uni-a', award.json.id))!
    // issueCredentials signs inside its transaction; on PGlite (one connection) a signer whose
    // active-key cache is cold would read the key through the outer store and wait forever.
    await ctx.signer.activeKey('uni-a')
    for (const id of [`${COURSE_ID}_jwt_vc_json`, `${COURSE_ID}_dc_sd_jwt`]) {
      await issueCredentials(ctx, tenant, {
        offer: storedOffer,
        award: storedAward,
        configuration: parseConfigurationId(id)!,
        holders: [{ jwk: (await walletKey()).publicJwk }, { jwk: (await walletKey()).publicJwk }],
        now: new Date(),
        redemption: { accessTokenHash },
      })
    }
    const list = await call(`/admin/uni-a/credentials?awardId=${award.json.id}`)
    expect(list.status).toBe(200)
    expect(list.json.total).toBe(4)
    const [vc1, vc2] = list.json.items.filter((c: { format: string }) => c.format === 'jwt_vc_json')
    const [sd1] = list.json.items.filter((c: { format: string }) => c.format === 'dc+sd-jwt')
    const urlOf = (c: { status: { listId: string } }) => `${issuer.url}/uni-a/status/${c.status.listId}`
    expect(await statusOf(urlOf(vc1), vc1.status.index)).toBe(0)

    // Both formats are on the tenant's Token Status List now (the JWT status claim).
    expect(vc1.status.listId).toBe(sd1.status.listId)
    // Revoke a jwt_vc_json credential: status 1; a repeat changes nothing.
    const revoked = await call(`/admin/uni-a/credentials/${encodeURIComponent(vc1.id)}/revoke`, {
      body: { reason: 'issued in error' },
    })
    expect(revoked.status).toBe(200)
    expect(revoked.json).toMatchObject({ id: vc1.id, state: 'revoked', changed: true })
    expect(await statusOf(urlOf(vc1), vc1.status.index)).toBe(1)
    expect(await statusOf(urlOf(vc2), vc2.status.index)).toBe(0)
    const again = await call(`/admin/uni-a/credentials/${encodeURIComponent(vc1.id)}/revoke`, { method: 'POST' })
    expect(again.status).toBe(200)
    expect(again.json).toMatchObject({ state: 'revoked', changed: false })

    // A jwt_vc_json credential on the Token Status List (2 bits) can be suspended: status 2.
    const vc2Path = `/admin/uni-a/credentials/${encodeURIComponent(vc2.id)}`
    expect((await call(`${vc2Path}/suspend`, { method: 'POST' })).json).toMatchObject({ state: 'suspended' })
    expect(await statusOf(urlOf(vc2), vc2.status.index)).toBe(2)
    expect((await call(`${vc2Path}/unsuspend`, { method: 'POST' })).json).toMatchObject({ state: 'valid' })
    expect(await statusOf(urlOf(vc2), vc2.status.index)).toBe(0)

    // dc+sd-jwt: suspended = 2, unsuspended = 0, revoked = 1.
    const sdPath = `/admin/uni-a/credentials/${encodeURIComponent(sd1.id)}`
    expect((await call(`${sdPath}/suspend`, { method: 'POST' })).json).toMatchObject({ state: 'suspended' })
    expect(await statusOf(urlOf(sd1), sd1.status.index)).toBe(2)
    expect((await call(`${sdPath}/unsuspend`, { method: 'POST' })).json).toMatchObject({ state: 'valid' })
    expect(await statusOf(urlOf(sd1), sd1.status.index)).toBe(0)
    expect((await call(`${sdPath}/revoke`, { method: 'POST' })).json).toMatchObject({ state: 'revoked' })
    expect(await statusOf(urlOf(sd1), sd1.status.index)).toBe(1)
    const afterRevoke = await call(`${sdPath}/unsuspend`, { method: 'POST' })
    expect(afterRevoke.status).toBe(409)
    expect(afterRevoke.json.error_description).toBe('a revoked credential cannot be unsuspended')

    const revokedOnly = await call('/admin/uni-a/credentials?state=revoked')
    expect(revokedOnly.json.items.map((c: { id: string }) => c.id).sort()).toEqual([vc1.id, sd1.id].sort())
    expect(
      (await call(`/admin/uni-b/credentials/${encodeURIComponent(vc2.id)}/revoke`, { key: keyB, method: 'POST' }))
        .status,
    ).toBe(404)

    const audit = await call('/admin/uni-a/audit?limit=50')
    expect(audit.status).toBe(200)
    const actions = audit.json.items.map((e: { action: string }) => e.action)
    for (const action of [
      'credential.revoked',
      'credential.suspended',
      'credential.unsuspended',
      'credential.issued',
      'offer.created',
      'award.created',
      'award.approved',
      'award.cohort_queued',
      'award.cohort_finished',
      'specification.created',
      'specification.updated',
    ]) {
      expect(actions).toContain(action)
    }
    const revocations = await call('/admin/uni-a/audit?action=credential.revoked')
    expect(revocations.json.items).toHaveLength(2)
    expect(revocations.json.items[1]).toMatchObject({
      subject: vc1.id,
      actor: expect.stringMatching(/^apikey:/),
      details: { reason: 'issued in error', from: 'valid' },
    })
    const older = await call(`/admin/uni-a/audit?action=credential.revoked&before=${revocations.json.items[0].id}`)
    expect(older.json.items.map((e: { id: number }) => e.id)).toEqual([revocations.json.items[1].id])
  })
})

describe('transport errors', () => {
  it('malformed JSON → 400 invalid_request', async () => {
    const before = await awardCount()
    const r = await call('/admin/uni-a/awards', { raw: '{"specificationId": ' })
    expect(r.status).toBe(400)
    expect(r.json).toEqual({ error: 'invalid_request', error_description: 'the request body is not valid JSON' })
    expect(await awardCount()).toBe(before)
  })

  it('wrong content type → 415', async () => {
    const r = await call('/admin/uni-a/awards', {
      raw: JSON.stringify({ specificationId: COURSE_ID, award: ana }),
      type: 'text/plain',
    })
    expect(r.status).toBe(415)
    expect(r.json).toEqual({
      error: 'unsupported_media_type',
      error_description: 'award: send Content-Type: application/json',
    })
  })

  it('a body over the size cap → 413', async () => {
    const before = await awardCount()
    const r = await call('/admin/uni-a/awards', {
      body: { specificationId: COURSE_ID, award: { ...ana, padding: 'x'.repeat(1_100_000) } },
    })
    expect(r.status).toBe(413)
    expect(r.json).toEqual({ error: 'payload_too_large', error_description: 'the request body is too large' })
    expect(await awardCount()).toBe(before)
  })

  it('a missing body where one is required → 400', async () => {
    const r = await call('/admin/uni-a/awards', { method: 'POST' })
    expect(r.status).toBe(400)
    expect(r.json).toEqual({
      error: 'invalid_input',
      error_description: 'award: a JSON body is required',
      issues: [{ path: '(body)', message: 'is required' }],
    })
  })
})

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists every admin path with its request schemas', async () => {
    const r = await call('/admin/openapi.json', { key: null })
    expect(r.status).toBe(200)
    expect(r.json.openapi).toBe('3.1.0')
    expect(Object.keys(r.json.paths).sort()).toEqual(
      [
        '/admin/{tenant}/audit',
        '/admin/{tenant}/awards',
        '/admin/{tenant}/awards/cohort',
        '/admin/{tenant}/awards/{id}',
        '/admin/{tenant}/awards/{id}/approve',
        '/admin/{tenant}/awards/{id}/certificate.png',
        '/admin/{tenant}/awards/{id}/offers',
        '/admin/{tenant}/cohorts/{job}',
        '/admin/{tenant}/cohorts/{job}/cancel',
        '/admin/{tenant}/credentials',
        '/admin/{tenant}/credentials/{id}/revoke',
        '/admin/{tenant}/credentials/{id}/suspend',
        '/admin/{tenant}/credentials/{id}/unsuspend',
        '/admin/{tenant}/specifications',
        '/admin/{tenant}/specifications/{id}',
        '/admin/{tenant}/specifications/{id}/annex-i-check',
      ].sort(),
    )
    const put = r.json.paths['/admin/{tenant}/specifications/{id}'].put
    const body = put.requestBody.content['application/json'].schema
    expect(body.additionalProperties).toBe(false)
    expect(body.required).toEqual(['specification'])
    expect(body.properties.specification.properties.title).toBeDefined()
    const awards = r.json.paths['/admin/{tenant}/awards'].get.parameters.map((p: { name: string }) => p.name)
    expect(awards).toEqual(['tenant', 'q', 'state', 'specificationId', 'limit', 'offset'])
  })
})

describe('rate limit', () => {
  it('429 rate_limited with Retry-After once a key has spent its bucket', async () => {
    const limited = await startTestIssuer({
      store: issuer.store,
      provision: false,
      routes: [createAdminApi({ rateLimit: { burst: 2, perSecond: 0.1 } })],
    })
    try {
      const get = () =>
        fetch(`${limited.url}/admin/uni-a/specifications`, { headers: { authorization: `Bearer ${keyA}` } })
      expect((await get()).status).toBe(200)
      expect((await get()).status).toBe(200)
      const r = await get()
      expect(r.status).toBe(429)
      expect(r.headers.get('retry-after')).toBe('10')
      expect(await r.json()).toEqual({
        error: 'rate_limited',
        error_description: 'too many requests with this API key; retry after 10 s',
      })
      // Per key: another key is not affected.
      const other = await fetch(`${limited.url}/admin/uni-a/specifications`, {
        headers: { authorization: `Bearer ${readOnlyA}` },
      })
      expect(other.status).toBe(200)
    } finally {
      await limited.close()
    }
  })
})
