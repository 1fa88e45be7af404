// GET /api/openapi.json: the relying-party API as OpenAPI 3.1. The request body schema is
// generated from the zod schema that parses it (z.toJSONSchema), so the document cannot drift.
import type { Router } from 'express'
import { z } from 'zod'
import { MAX_EDC_UPLOAD_BYTES } from '../edc-upload/index.ts'
import { VERIFIER_ERRORS } from '../errors.ts'
import { zCreatePresentationRequest } from '../presentation/z-create-presentation-request.ts'
import { RELYING_PARTY_SCOPES, type RelyingPartyScope } from '../relying-party-keys.ts'
import type { VerifierContext } from '../verifier-context.ts'
import { EDC_UPLOAD_TYPES, MAX_EDC_UPLOAD_SIZE } from './verify-edc-upload.ts'

type Json = Record<string, unknown>

function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json
  return rest
}

const rpParam = {
  name: 'rp',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'the relying party id',
}
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'the request id' }
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
})

function operation(summary: string, scope: RelyingPartyScope, extra: Json): Json {
  return {
    summary,
    security: [{ apiKey: [scope] }],
    ...extra,
    responses: {
      ...(extra.responses as Json),
      400: error('invalid input; `issues` names each bad field'),
      401: error('no or unknown API key'),
      403: error('a key of another relying party, or without the scope'),
    },
  }
}

export function openApiDocument(baseUrl: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Alma verifier: relying-party API',
      version: '0.1.0',
      description:
        'Ask a learner’s wallet for an ELM micro-credential over OpenID4VP 1.0 and read every check that was made.',
    },
    servers: [{ url: baseUrl }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: `scopes: ${RELYING_PARTY_SCOPES.join(', ')}` },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'error_description'],
          properties: {
            error: { enum: Object.keys(VERIFIER_ERRORS) },
            error_description: { type: 'string' },
            issues: { type: 'array', items: { type: 'object' } },
          },
        },
        CreatePresentationRequest: jsonSchema(zCreatePresentationRequest),
      },
    },
    paths: {
      '/api/{rp}/presentation-requests': {
        post: operation('Create a presentation request from a template or a DCQL query', 'presentations:write', {
          parameters: [rpParam],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CreatePresentationRequest' } } },
          },
          responses: {
            201: { description: 'the request: id, authorizationRequestUri, QR URLs, expiresAt' },
            429: error('rate_limited: too many presentation requests for this relying party (Retry-After)'),
          },
        }),
        get: operation('List presentation requests, newest first', 'presentations:read', {
          parameters: [rpParam],
          responses: { 200: { description: '{items}' } },
        }),
      },
      '/api/{rp}/presentation-requests/{id}': {
        get: operation('Read a request’s state and, once answered, its result', 'presentations:read', {
          parameters: [
            rpParam,
            idParam,
            {
              name: 'response_code',
              in: 'query',
              schema: { type: 'string' },
              description: 'same-device requests: the single-use code from the wallet’s redirect',
            },
          ],
          responses: { 200: { description: 'state, and result (verdict, credentials with every check)' } },
        }),
      },
      '/api/{rp}/edc-verifications': {
        post: operation('Verify an uploaded EDC file (JAdES-sealed or unsigned)', 'edc:verify', {
          parameters: [rpParam],
          // The file itself, byte for byte (the seal covers the exact payload text).
          requestBody: {
            required: true,
            description: `the EDC file, at most ${MAX_EDC_UPLOAD_BYTES} bytes (${MAX_EDC_UPLOAD_SIZE})`,
            content: Object.fromEntries(
              EDC_UPLOAD_TYPES.map((type) => [
                type,
                { schema: { type: 'string', format: 'binary', maxLength: MAX_EDC_UPLOAD_BYTES } },
              ]),
            ),
          },
          responses: {
            200: {
              description:
                'verdict and named checks; FORMAT is an ERROR for a document with no EDC node, one beyond the validated limits, or one whose validation passed its deadline',
            },
            413: error(`payload_too_large: the file is larger than ${MAX_EDC_UPLOAD_SIZE}`),
            429: error('rate_limited: too many EDC verifications for this relying party (Retry-After)'),
            503: error('temporarily_unavailable: the validation threads are busy (Retry-After)'),
          },
        }),
      },
    },
  }
}

export function mountOpenApiDocument(router: Router, ctx: VerifierContext): void {
  const document = JSON.stringify(openApiDocument(ctx.config.baseUrl))
  router.get('/api/openapi.json', (_req, res) => {
    res.type('application/json').set('Cache-Control', 'public, max-age=300').send(document)
  })
}
