// POST /admin/{tenant}/credentials/{id}/revoke | suspend | unsuspend: see admin/credential-status.ts.
import type { Router } from 'express'
import { CREDENTIAL_STATUS_ACTIONS, changeCredentialStatus } from '../credential-status.ts'
import { credentialView } from '../views.ts'
import { zCredentialStatusRequest } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, jsonBody, param } from './admin-endpoint.ts'

export function mountChangeCredentialStatus(router: Router, deps: AdminDeps): void {
  for (const action of CREDENTIAL_STATUS_ACTIONS) {
    router.post(
      `/admin/:tenant/credentials/:id/${action}`,
      adminEndpoint(deps, 'credentials:revoke', async (req, res, { tenant, actor }) => {
        const body = jsonBody(req, zCredentialStatusRequest, action, { optional: true })
        const result = await changeCredentialStatus(deps.ctx, tenant.id, {
          credentialId: param(req, 'id'),
          action,
          actor,
          ...(body.reason ? { reason: body.reason } : {}),
        })
        res.json({
          ...credentialView(result.credential),
          changed: result.changed,
          ...(result.statusListVersion !== undefined ? { statusListVersion: result.statusListVersion } : {}),
        })
      }),
    )
  }
}
