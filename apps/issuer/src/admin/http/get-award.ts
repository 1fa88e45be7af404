// GET /admin/{tenant}/awards/{id}: the award, its Annex I report, its offers and credentials.
import type { Router } from 'express'
import { IssuerError } from '../../errors.ts'
import { annexReportOf } from '../../issuance/awards.ts'
import { awardView, credentialView, offerView } from '../views.ts'
import { type AdminDeps, adminEndpoint, param } from './admin-endpoint.ts'

export function mountGetAward(router: Router, deps: AdminDeps): void {
  router.get(
    '/admin/:tenant/awards/:id',
    adminEndpoint(deps, 'read', async (req, res, { tenant }) => {
      const { store } = deps.ctx
      const award = await store.awards.get(tenant.id, param(req, 'id'))
      if (!award) throw new IssuerError('not_found', `no award ${param(req, 'id')}`)
      const [offers, credentials] = await Promise.all([
        store.offers.listByAward(tenant.id, award.id),
        store.issuedCredentials.listByAward(tenant.id, award.id),
      ])
      res.json({
        ...awardView(award),
        annexReport: annexReportOf(award) ?? null,
        offers: offers.map(offerView),
        credentials: credentials.map(credentialView),
      })
    }),
  )
}
