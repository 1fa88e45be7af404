// PUT /admin/{tenant}/specifications/{id}: create (201) or update (200) a course. An update
// names the version it read (`If-Match: "3"` or `expectedVersion`); a mismatch is 409.
import type { Router } from 'express'
import { invalidInput } from '../parse-admin-input.ts'
import { putSpecification, versionFromIfMatch } from '../specifications.ts'
import { specificationView } from '../views.ts'
import { zPutSpecificationRequest, zSpecificationId } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, jsonBody, param } from './admin-endpoint.ts'

export function mountPutSpecification(router: Router, deps: AdminDeps): void {
  router.put(
    '/admin/:tenant/specifications/:id',
    adminEndpoint(
      deps,
      'specifications:write',
      async (req, res, { tenant, actor }) => {
        const id = zSpecificationId.safeParse(param(req, 'id'))
        if (!id.success) throw invalidInput('specification id', [{ path: 'id', message: id.error.issues[0]!.message }])
        const body = jsonBody(req, zPutSpecificationRequest, 'specification')
        const ifMatch = versionFromIfMatch(req.get('if-match'))
        if (ifMatch !== undefined && body.expectedVersion !== undefined && ifMatch !== body.expectedVersion) {
          throw invalidInput('specification', [
            { path: 'expectedVersion', message: `differs from If-Match (${ifMatch}); send one of them` },
          ])
        }
        const expectedVersion = ifMatch ?? body.expectedVersion
        const result = await putSpecification(deps.ctx, tenant, {
          id: id.data,
          // The caller's input as sent; the parsed copy only proved its shape.
          document: (req.body as { specification: unknown }).specification,
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
          actor,
        })
        res
          .status(result.created ? 201 : 200)
          .set('ETag', `"${result.specification.version}"`)
          .set('Location', `/admin/${tenant.id}/specifications/${result.specification.id}`)
          .json({ ...specificationView(result.specification), annexReport: result.annexReport })
      },
      { expensive: true },
    ),
  )
}
