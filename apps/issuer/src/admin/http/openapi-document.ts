// GET /admin/openapi.json: public, no key needed (it describes, it does not reveal).
import type { Router } from 'express'
import { adminOpenApiDocument } from '../openapi.ts'

export function mountOpenApiDocument(router: Router): void {
  let document: string | undefined
  router.get('/admin/openapi.json', (_req, res) => {
    document ??= JSON.stringify(adminOpenApiDocument())
    res.type('application/json').set('Cache-Control', 'public, max-age=300').send(document)
  })
}
