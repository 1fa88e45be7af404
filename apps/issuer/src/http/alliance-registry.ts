// GET /{tenant}/alliance-registry: the alliance's signed member registry (typ alliance-registry+jwt),
// for verifiers that accept "issued by an active member of this alliance".
import { ALLIANCE_REGISTRY_MEDIA_TYPE } from '@alma/trust'
import type { Router } from 'express'
import { IssuerError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'

export function mountAllianceRegistry(router: Router, ctx: IssuerContext): void {
  router.get('/:tenant/alliance-registry', async (req, res, next) => {
    try {
      const tenant = await ctx.store.tenants.get(String(req.params.tenant))
      const jwt = tenant?.config.allianceRegistryJwt
      if (typeof jwt !== 'string') throw new IssuerError('not_found', 'this tenant publishes no alliance registry')
      res.type(ALLIANCE_REGISTRY_MEDIA_TYPE).set('Cache-Control', 'public, max-age=300').send(jwt)
    } catch (error) {
      next(error)
    }
  })
}
