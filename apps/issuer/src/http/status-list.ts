// Status lists (protocols.md "Status lists"): one registry in the store, served as a W3C
// Bitstring Status List credential or an IETF Token Status List JWT, signed once per version and
// again once a signed copy is older than its `ttl` — a list that has not changed for a day must
// not be served past its own `exp` (verifiers refuse an expired list and would fail closed).
import { createBitstringStatusListCredential, createTokenStatusListJwt } from '@alma/credentials'
import type { Router } from 'express'
import { IssuerError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { tenantEndpoint } from './handler.ts'

/** Seconds a verifier may cache a list (Token Status List §5.1 `ttl`, HTTP max-age). */
export const STATUS_LIST_TTL_SECONDS = 300

export function mountStatusLists(router: Router, ctx: IssuerContext): void {
  const signed = new Map<string, { version: number; signedAt: number; body: string }>()
  router.get(
    '/:tenant/status/:listId',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      const listId = String(req.params.listId)
      const list = await ctx.store.statusLists.get(tenant.id, listId)
      if (!list) throw new IssuerError('not_found', `no status list ${listId}`)
      const key = `${tenant.id}\u0000${list.id}`
      const now = ctx.now()
      let body = signed.get(key)
      if (!body || body.version !== list.version || now.getTime() - body.signedAt >= STATUS_LIST_TTL_SECONDS * 1000) {
        const snapshot = await ctx.store.statusLists.readList(tenant.id, list.id)
        if (!snapshot) throw new IssuerError('not_found', `no status list ${listId}`)
        const url = tenant.urls.statusList(list.id)
        const jwt =
          list.format === 'bitstring'
            ? await createBitstringStatusListCredential({
                ...snapshot,
                url,
                issuer: { tenantId: tenant.id, did: tenant.urls.did },
                purpose: list.purpose,
                now,
                ttl: STATUS_LIST_TTL_SECONDS * 1000,
                sign: ctx.signer,
              })
            : await createTokenStatusListJwt({
                ...snapshot,
                uri: url,
                issuer: { tenantId: tenant.id, id: tenant.urls.issuer },
                bits: 2,
                now,
                ttl: STATUS_LIST_TTL_SECONDS,
                sign: ctx.signer,
              })
        body = { version: snapshot.version, signedAt: now.getTime(), body: jwt }
        signed.set(key, body)
      }
      // The signed copy is part of the representation: a re-signed list is a new ETag.
      const etag = `"${list.id}-${body.version}-${Math.floor(body.signedAt / 1000)}"`
      res.set('ETag', etag).set('Cache-Control', `public, max-age=${STATUS_LIST_TTL_SECONDS}`)
      if (req.get('if-none-match') === etag) {
        res.status(304).end()
        return
      }
      res.type(list.format === 'bitstring' ? 'application/vc+jwt' : 'application/statuslist+jwt').send(body.body)
    }),
  )
}
