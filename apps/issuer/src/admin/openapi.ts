// The admin API as an OpenAPI 3.1 document. Request bodies and query parameters are generated
// from the same zod schemas that parse them (z.toJSONSchema), so the document cannot drift from
// the checks; responses are described briefly by hand.
import { z } from 'zod'
import { ISSUER_ERRORS } from '../errors.ts'
import { ADMIN_SCOPES, type AdminScope } from './api-keys.ts'
import { COHORT_COLUMNS, MAX_COHORT_BYTES, MAX_COHORT_ROWS } from './cohort.ts'
import {
  zAnnexICheckRequest,
  zApproveAwardRequest,
  zAuditListQuery,
  zAwardListQuery,
  zCancelCohortJobRequest,
  zCertificateQuery,
  zCohortJobQuery,
  zCohortQuery,
  zCreateAwardRequest,
  zCreateOfferRequest,
  zCredentialListQuery,
  zCredentialStatusRequest,
  zPutSpecificationRequest,
} from './z-admin-input.ts'

type Json = Record<string, unknown>

function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json
  return rest
}

function queryParameters(schema: z.ZodObject): Json[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: !(field as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(field as z.ZodType),
  }))
}

const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description,
})
const tenant = pathParam('tenant', 'the tenant (institution) id, e.g. uni-a')

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
})

function operation(options: {
  summary: string
  scope: AdminScope
  parameters?: Json[]
  body?: { schema: Json; type?: string; required?: boolean }
  ok: Record<string, string>
  /** The success responses' media type (JSON by default). */
  okType?: string
  errors?: number[]
}): Json {
  const errors = [400, 401, 403, 429, ...(options.errors ?? [])]
  return {
    summary: options.summary,
    security: [{ apiKey: [options.scope] }],
    'x-required-scope': options.scope,
    parameters: [tenant, ...(options.parameters ?? [])],
    ...(options.body
      ? {
          requestBody: {
            required: options.body.required ?? true,
            content: { [options.body.type ?? 'application/json']: { schema: options.body.schema } },
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(options.ok).map(([status, description]) => [
          status,
          {
            description,
            content: {
              [options.okType ?? 'application/json']: {
                schema: options.okType ? { type: 'string', format: 'binary' } : { type: 'object' },
              },
            },
          },
        ]),
      ),
      ...Object.fromEntries(errors.map((s) => [String(s), errorResponse(errorText[s] ?? 'error')])),
    },
  }
}

const errorText: Record<number, string> = {
  400: 'invalid_input (with `issues` naming the fields), or invalid_request (malformed JSON)',
  401: 'unauthorized: no or unknown API key (WWW-Authenticate: Bearer)',
  403: 'forbidden (key of another tenant) or insufficient_scope',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited (Retry-After): per API key; award, Annex I check and certificate requests also per tenant',
  503: 'temporarily_unavailable: the EDC work threads are busy (Retry-After) or the work passed its deadline',
}

const id = (what: string) => pathParam('id', what)

/** The OpenAPI 3.1 document of the admin API (built once). */
export function adminOpenApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Alma issuer admin API',
      version: '1',
      description:
        'Courses, awards, cohorts, credential offers (OpenID4VCI 1.0), revocation and the audit log, per tenant. ' +
        'Authenticate with an admin API key: `Authorization: Bearer <key>`. Rate limits are per key and per process; ' +
        'awards, Annex I checks and certificate images also count against a limit per tenant.',
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: `scopes: ${ADMIN_SCOPES.join(', ')}` },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'error_description'],
          properties: {
            error: { type: 'string', enum: Object.keys(ISSUER_ERRORS) },
            error_description: { type: 'string' },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                required: ['path', 'message'],
                properties: { path: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    paths: {
      '/admin/{tenant}/specifications': {
        get: operation({ summary: 'list the courses', scope: 'read', ok: { 200: '{ items }' } }),
      },
      '/admin/{tenant}/specifications/{id}': {
        get: operation({
          summary: 'a course with its version (ETag) and Annex I report',
          scope: 'read',
          parameters: [id('course id')],
          ok: { 200: 'the course' },
          errors: [404],
        }),
        put: operation({
          summary: 'create (201) or update (200, with If-Match or expectedVersion) a course',
          scope: 'specifications:write',
          parameters: [
            id('course id: a-z, 0-9, -'),
            { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } },
          ],
          body: { schema: jsonSchema(zPutSpecificationRequest) },
          ok: { 200: 'updated, with the Annex I report', 201: 'created, with the Annex I report' },
          errors: [409, 413, 415, 503],
        }),
      },
      '/admin/{tenant}/specifications/{id}/annex-i-check': {
        post: operation({
          summary:
            'check a course against Annex I without storing it: each of the 16 elements present, missing or invalid, ' +
            'with the input issues in words; an incomplete course is a 200 answer (for a live checklist)',
          scope: 'read',
          parameters: [id('course id: a-z, 0-9, - (checked too)')],
          body: { schema: jsonSchema(zAnnexICheckRequest) },
          ok: {
            200: '{ id, valid, isMicroCredential, missing, elements: [{ number, name, mandatory, status, source, value?, issues }], issues }',
          },
          errors: [413, 415, 503],
        }),
      },
      '/admin/{tenant}/awards': {
        get: operation({
          summary: 'search awards (newest first)',
          scope: 'read',
          parameters: queryParameters(zAwardListQuery),
          ok: { 200: '{ items, total, limit, offset }' },
        }),
        post: operation({
          summary: "award a course to one learner (the EDC is built now); hold for approval with 'hold'",
          scope: 'awards:write',
          body: { schema: jsonSchema(zCreateAwardRequest) },
          ok: { 201: '{ id, state, annexReport }' },
          errors: [404, 413, 415, 503],
        }),
      },
      '/admin/{tenant}/awards/cohort': {
        post: operation({
          summary:
            `award a cohort from CSV (columns: ${Object.keys(COHORT_COLUMNS).join(', ')}; at most ` +
            `${MAX_COHORT_ROWS} learner rows and ${MAX_COHORT_BYTES / 1024} KiB per file). The whole file is checked ` +
            'at once, nothing built: a file with a bad row (mode all-or-nothing) or no good row is refused, 400 with ' +
            '{ rows: [{ row, ok, learner, issues }], issues, stored: 0 }. Otherwise the good rows become a cohort job, ' +
            'awarded in the background: 202 with the job (as GET /admin/{tenant}/cohorts/{job}) and its Location',
          scope: 'awards:write',
          parameters: queryParameters(zCohortQuery),
          body: { type: 'text/csv', schema: { type: 'string' } },
          ok: {
            202: '{ id, state: queued, total, pending, issued, failed, rows: [{ row, learner, state: pending|failed, issues? }] }; Location: /admin/{tenant}/cohorts/{job}',
          },
          errors: [404, 413, 415],
        }),
      },
      '/admin/{tenant}/cohorts/{job}': {
        get: operation({
          summary:
            'a cohort job: state (queued → running → succeeded | failed | cancelled), counts, and the report per row (rows=none: progress only; rows=failed: the failed rows); an issued row names its award, a failed one its issues',
          scope: 'read',
          parameters: [pathParam('job', 'the cohort job id (a UUID)'), ...queryParameters(zCohortJobQuery)],
          ok: {
            200: '{ id, state, specificationId, specificationVersion, mode, awardState, total, pending, issued, failed, createdAt, startedAt?, finishedAt?, error?, rows?: [{ row, learner, state: pending|issued|failed, awardId?, issues? }] }',
          },
          errors: [404],
        }),
      },
      '/admin/{tenant}/cohorts/{job}/cancel': {
        post: operation({
          summary:
            'cancel a queued or running cohort job: rows not yet awarded stay so (awards already stored stay); 409 once it ended',
          scope: 'awards:write',
          parameters: [pathParam('job', 'the cohort job id (a UUID)')],
          body: { schema: jsonSchema(zCancelCohortJobRequest), required: false },
          ok: { 200: 'the job, cancelled' },
          errors: [404, 409],
        }),
      },
      '/admin/{tenant}/awards/{id}': {
        get: operation({
          summary: 'an award with its Annex I report, offers and issued credentials',
          scope: 'read',
          parameters: [id('award id')],
          ok: { 200: 'the award' },
          errors: [404],
        }),
      },
      '/admin/{tenant}/awards/{id}/certificate.png': {
        get: operation({
          summary: "the award's certificate page (PNG, as its EDC carries it) in lang, else its primary language",
          scope: 'read',
          parameters: [id('award id'), ...queryParameters(zCertificateQuery)],
          ok: { 200: 'image/png' },
          okType: 'image/png',
          errors: [404, 503],
        }),
      },
      '/admin/{tenant}/awards/{id}/approve': {
        post: operation({
          summary: 'release a held award (deferred wallets then receive their credential)',
          scope: 'awards:write',
          parameters: [id('award id')],
          body: { schema: jsonSchema(zApproveAwardRequest), required: false },
          ok: { 200: '{ id, state }' },
          errors: [404, 409],
        }),
      },
      '/admin/{tenant}/awards/{id}/offers': {
        post: operation({
          summary:
            'create a credential offer (OpenID4VCI 1.0 §4.1) with QR code URLs and a tx_code (asked through both grants; on unless txCode is false)',
          scope: 'offers:write',
          parameters: [id('award id')],
          body: { schema: jsonSchema(zCreateOfferRequest), required: false },
          ok: {
            201: '{ offerId, credentialOfferUri, credentialOfferByValue, sameDeviceLink, qrPng, qrSvg, txCode?, expiresAt }',
          },
          errors: [404, 409],
        }),
      },
      '/admin/{tenant}/credentials': {
        get: operation({
          summary: 'issued credentials (records)',
          scope: 'read',
          parameters: queryParameters(zCredentialListQuery),
          ok: { 200: '{ items, total, limit, offset }' },
        }),
      },
      ...Object.fromEntries(
        (['revoke', 'suspend', 'unsuspend'] as const).map((action) => [
          `/admin/{tenant}/credentials/{id}/${action}`,
          {
            post: operation({
              summary:
                action === 'suspend'
                  ? 'suspend (Token Status List: both formats; 409 for a jwt_vc_json issued before on a W3C Bitstring list)'
                  : `${action} a credential (its status list entry and record in one transaction; a repeat changes nothing)`,
              scope: 'credentials:revoke',
              parameters: [id('credential id (urn:uuid:…)')],
              body: { schema: jsonSchema(zCredentialStatusRequest), required: false },
              ok: { 200: 'the credential, with changed: true|false' },
              errors: [404, 409],
            }),
          },
        ]),
      ),
      '/admin/{tenant}/audit': {
        get: operation({
          summary: 'the audit log, newest first',
          scope: 'audit:read',
          parameters: queryParameters(zAuditListQuery),
          ok: { 200: '{ items, next? }' },
        }),
      },
    },
  }
}
