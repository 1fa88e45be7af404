// GET /admin/{tenant}/awards/{id}/certificate.png?lang=de: the certificate page the award's EDC
// carries (rendered once, when the award was built), in the language asked for or the first.
import type { Router } from 'express'
import { IssuerError } from '../../errors.ts'
import { certificatePageOf } from '../../web/certificate-page.ts'
import { zCertificateQuery } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, param, queryOf } from './admin-endpoint.ts'

export function mountGetAwardCertificate(router: Router, deps: AdminDeps): void {
  router.get(
    '/admin/:tenant/awards/:id/certificate.png',
    adminEndpoint(
      deps,
      'read',
      async (req, res, { tenant }) => {
        const query = queryOf(req, zCertificateQuery)
        const award = await deps.ctx.awardWithDocument(tenant.id, param(req, 'id'))
        if (!award) throw new IssuerError('not_found', `no award ${param(req, 'id')}`)
        const page = await certificatePageOf(award.edc, query.lang, deps.ctx.elmWorkers)
        if (!page) throw new IssuerError('not_found', `award ${award.id} has no certificate page`)
        res.type('image/png').set('Content-Language', page.language).send(page.png)
      },
      { expensive: true },
    ),
  )
}
