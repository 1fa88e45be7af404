// GET /api/{rp}/presentation-requests: the relying party's requests, newest first (no results).
import type { Router } from 'express'
import { z } from 'zod'
import { VerifierError } from '../errors.ts'
import type { VerifierContext } from '../verifier-context.ts'
import { rpEndpoint } from './rp-endpoint.ts'

const zListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
})

export function mountListPresentationRequests(router: Router, ctx: VerifierContext): void {
  router.get(
    '/api/:rp/presentation-requests',
    rpEndpoint(ctx, 'presentations:read', async (req, res, { rp }) => {
      const query = zListQuery.safeParse(req.query)
      if (!query.success) {
        const issue = query.error.issues[0]
        throw new VerifierError('invalid_input', `query: ${issue?.path.join('.') || '(query)'}: ${issue?.message}`)
      }
      const records = await ctx.store.presentationRequests.list(rp.id, query.data)
      res.json({
        items: records.map((r) => ({
          id: r.id,
          state: r.state,
          verdict: (r.result as { verdict?: string } | undefined)?.verdict,
          createdAt: r.createdAt.toISOString(),
          expiresAt: r.expiresAt.toISOString(),
        })),
      })
    }),
  )
}
