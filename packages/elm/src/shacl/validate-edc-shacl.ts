import { readFileSync } from 'node:fs'
import type { DatasetCore, Quad, Term } from '@rdfjs/types'
import rdf from '@zazuko/env'
import jsonld from 'jsonld'
import { Parser } from 'n3'
import SHACLValidator from 'rdf-validate-shacl'
import { ElmError } from '../errors.ts'
import { checkDocumentBounds, type DocumentLimits } from './document-bounds.ts'
import { offlineDocumentLoader } from './document-loader.ts'

/**
 * The EDC application profiles we validate against. Each is an ontology whose `owl:imports` pull
 * in the rest: `generic-full` (controlled-vocabulary schemes) imports `generic-no-cv` (structure,
 * cardinalities); `issued-by-mandate` and `accredited` import `generic-full`.
 */
export type EdcShaclProfile = 'generic-full' | 'issued-by-mandate' | 'accredited'

const SHAPES_BASE = 'http://data.europa.eu/snb/model/ap/'

/** Ontology IRI → the shipped file that holds it; imports never leave this table. */
const SHAPE_FILES = new Map<string, string>([
  [`${SHAPES_BASE}edc-generic-no-cv`, 'EDC-generic-no-cv.ttl'],
  [`${SHAPES_BASE}edc-generic-full`, 'EDC-generic-full.ttl'],
  [`${SHAPES_BASE}edc-issued-by-mandate`, 'EDC-issuedByMandate.ttl'],
  [`${SHAPES_BASE}edc-accredited`, 'EDC-accredited.ttl'],
])

const PROFILE_ONTOLOGY: Record<EdcShaclProfile, string> = {
  'generic-full': `${SHAPES_BASE}edc-generic-full`,
  'issued-by-mandate': `${SHAPES_BASE}edc-issued-by-mandate`,
  accredited: `${SHAPES_BASE}edc-accredited`,
}

export interface ShaclViolation {
  /** The node that failed, e.g. `urn:epass:learningAchievement:1`. */
  focusNode: string
  /** The property path that failed, as a full IRI, when the shape names one. */
  path: string | undefined
  /** The property's local name (`eqfLevel`, `awardingBody`…), for people and for tests. */
  property: string | undefined
  /** Properties leading to the failing node when the failure was nested (`['issuer']`). */
  within: string[]
  message: string
  severity: string
  sourceShape: string | undefined
  value: string | undefined
}

export interface ShaclReport {
  profile: EdcShaclProfile
  conforms: boolean
  violations: ShaclViolation[]
  /** Triples of the document's graph that were validated. */
  triples: number
  /**
   * Schema triples (rdfs:, owl:) the document carried and the validation ignored: an untrusted
   * graph is data, never ontology ({@link dropSchemaTriples}).
   */
  ignoredSchemaTriples: number
}

/** Limits on what is validated: the JSON document, then its RDF graph. */
export interface ShaclLimits extends DocumentLimits {
  /** Triples of the document's graph, schema triples not counted. */
  readonly maxTriples: number
}

/**
 * Our documents have ~370 triples and are ~170 KB with two PNG pages, the EC's samples ~300 and
 * 110–150 KB; a micro-credential with a hundred learning outcomes stays far below these. Beyond
 * them a document is refused before SHACL runs (issue 12 §3), naming the limit.
 */
export const SHACL_LIMITS: ShaclLimits = {
  maxBytes: 2 * 1024 * 1024,
  maxDepth: 64,
  maxValues: 50_000,
  maxTriples: 10_000,
}

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'
const RDFS = 'http://www.w3.org/2000/01/rdf-schema#'
const OWL = 'http://www.w3.org/2002/07/owl#'
/** The class every EDC shape hangs from (edc-ap context: `EuropeanDigitalCredential` → `elm:…`). */
export const ELM_EUROPEAN_DIGITAL_CREDENTIAL = 'http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential'

const shapeFileCache = new Map<string, Quad[]>()

function loadShapeOntology(iri: string): Quad[] {
  const cached = shapeFileCache.get(iri)
  if (cached) return cached
  const file = SHAPE_FILES.get(iri)
  if (!file) throw new Error(`SHACL shapes import ${iri}, which is not shipped with Alma`)
  const text = readFileSync(new URL(`../../data/shapes/${file}`, import.meta.url), 'utf8')
  const quads = new Parser({ format: 'text/turtle' }).parse(text) as unknown as Quad[]
  shapeFileCache.set(iri, quads)
  return quads
}

/**
 * Turns a JSON-LD EDC document into an RDF dataset, with contexts served offline. The document is
 * measured first ({@link checkDocumentBounds}): beyond `limits` it is refused before expansion.
 */
export async function edcToDataset(document: unknown, limits: DocumentLimits = SHACL_LIMITS): Promise<DatasetCore> {
  checkDocumentBounds(document, limits)
  let nquads: string
  try {
    nquads = (await jsonld.toRDF(
      document as jsonld.JsonLdDocument,
      {
        format: 'application/n-quads',
        documentLoader: offlineDocumentLoader as never,
        // A term the context does not define would silently vanish from the graph and escape the
        // shapes; safe mode makes it an error instead.
        safe: true,
      } as jsonld.Options.ToRdf,
    )) as unknown as string
  } catch (error) {
    throw asElmError(error)
  }
  const dataset = rdf.dataset()
  for (const quad of new Parser({ format: 'application/n-quads' }).parse(nquads)) {
    dataset.add(quad as unknown as Quad)
  }
  return dataset
}

/** jsonld.js wraps loader failures; surface ours, and name JSON-LD errors by their jsonld code. */
function asElmError(error: unknown): ElmError {
  const cause = (error as { details?: { cause?: unknown } }).details?.cause
  if (cause instanceof ElmError) return cause
  const code = (error as { details?: { code?: string } }).details?.code
  const message = error instanceof Error ? error.message : String(error)
  return new ElmError('invalid_json_ld', `Not valid JSON-LD${code ? ` (${code})` : ''}: ${message}`, [], {
    cause: error,
  })
}

function termValue(term: Term | null | undefined): string | undefined {
  return term ? term.value : undefined
}

function localName(iri: string | undefined): string | undefined {
  if (!iri) return undefined
  const cut = Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/'))
  return iri.slice(cut + 1)
}

type ValidationResult = Awaited<ReturnType<SHACLValidator['validate']>>['results'][number]

/**
 * A node-shape violation ("value does not have shape IssuerNodeShape") says little on its own; the
 * engine records the nested results as `sh:detail`, and the leaves name the field that is wrong.
 */
function leafViolations(result: ValidationResult, trail: string[]): ShaclViolation[] {
  const path = result.path && 'value' in result.path ? (result.path as Term).value : undefined
  const property = localName(path)
  const nested = result.detail
  if (nested.length > 0) {
    return nested.flatMap((child) => leafViolations(child, property ? [...trail, property] : trail))
  }
  return [
    {
      focusNode: termValue(result.focusNode) ?? '',
      path,
      property,
      within: trail,
      message: result.message.map((m) => m.value).join('; ') || 'constraint violated',
      severity: localName(termValue(result.severity)) ?? 'Violation',
      sourceShape: termValue(result.sourceShape),
      value: termValue(result.value),
    },
  ]
}

/**
 * Validates an EDC JSON-LD document against the EC's SHACL application profile, the same check the
 * EDC platform runs as its FORMAT verification step.
 */
export async function validateEdcShacl(
  document: unknown,
  profile: EdcShaclProfile = 'generic-full',
  limits: ShaclLimits = SHACL_LIMITS,
): Promise<ShaclReport> {
  const data = await edcToDataset(document, limits)
  const ignoredSchemaTriples = dropSchemaTriples(data)
  if (data.size > limits.maxTriples) {
    throw new ElmError(
      'document_too_large',
      `the document has ${data.size} triples; at most ${limits.maxTriples} are validated`,
    )
  }
  await assertCredentialNode(document, data)
  const validator = new SHACLValidator(rdf.dataset(loadShapeOntology(PROFILE_ONTOLOGY[profile])), {
    factory: rdf,
    importGraph: (iri: Term) => rdf.dataset(loadShapeOntology(iri.value)),
  })
  const report = await validator.validate(data)
  const violations = report.results.flatMap((result) => leafViolations(result, []))
  return { profile, conforms: report.conforms, violations, triples: data.size, ignoredSchemaTriples }
}

/**
 * Removes from a data graph what a SHACL engine would read as ontology, and returns how many
 * triples went: every triple whose predicate is in the rdfs: or owl: namespace (subClassOf,
 * subPropertyOf, domain, range, equivalentClass, sameAs…) and every `rdf:type` naming an rdfs: or
 * owl: class (`rdfs:Class`, `owl:Class`).
 *
 * Why: SHACL's class-based targets and `sh:class` follow `rdfs:subClassOf` *in the data graph*
 * (SHACL §2.1.3.3 "SHACL instance", §4.1.1). rdf-validate-shacl 0.6.5 walks those triples
 * recursively with no memory of what it has seen (`getSubClassesOf` in its `dataset-utils.js`),
 * once per target class and per `sh:class` value: a ladder of diamonds doubles the work with each
 * rung (depth 19 of a 4 KB upload took 17.5 s) and a cycle never ends. Beyond cost, an uploaded
 * `X rdfs:subClassOf elm:Organisation` would make any node typed `X` pass `sh:class
 * elm:Organisation`. The EDC shapes use the ELM ontology from the shapes graph only, and no EDC
 * shape has a path in these namespaces, so an EDC document loses nothing it is judged on.
 */
export function dropSchemaTriples(data: DatasetCore): number {
  const schema: Quad[] = []
  for (const quad of data) {
    const predicate = quad.predicate.value
    const ontological =
      predicate.startsWith(RDFS) ||
      predicate.startsWith(OWL) ||
      (predicate === RDF_TYPE && (quad.object.value.startsWith(RDFS) || quad.object.value.startsWith(OWL)))
    if (ontological) schema.push(quad as Quad)
  }
  for (const quad of schema) data.delete(quad)
  return schema.length
}

/**
 * The EDC shapes select their focus nodes by class (`sh:targetClass elm:EuropeanDigitalCredential`
 * and the classes below it), so a graph without such a node has nothing for them to reject and
 * "conforms" vacuously — a check that found nothing to check is not OK (issue 12 §5). The
 * document's top-level node must itself be an `elm:EuropeanDigitalCredential` (a credential
 * nested under some other property would be validated while the top node, the one readers show,
 * was not). The top node's types are read by expanding its own members only (JSON-LD 1.1 §13.4,
 * with the document's contexts), so aliases and scoped contexts count as they do in the graph.
 */
async function assertCredentialNode(document: unknown, data: DatasetCore): Promise<void> {
  const notEdc = (why: string) => new ElmError('not_an_edc_document', `not an EDC document: ${why}`)
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw notEdc('an EDC document is one JSON object')
  }
  const credentialNodes = data.match(null, rdf.namedNode(RDF_TYPE), rdf.namedNode(ELM_EUROPEAN_DIGITAL_CREDENTIAL))
  if (credentialNodes.size === 0) {
    throw notEdc(
      'its graph has no elm:EuropeanDigitalCredential node, so the EDC shapes (which select nodes by class) would have nothing to check',
    )
  }
  // The top node's own scalar members: its @context, id and type (under any alias), nothing nested.
  const top: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(document)) {
    const scalar = typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    if (key === '@context' || scalar) top[key] = value
  }
  let expanded: unknown[]
  try {
    expanded = await jsonld.expand(
      top as jsonld.JsonLdDocument,
      {
        documentLoader: offlineDocumentLoader as never,
      } as jsonld.Options.Expand,
    )
  } catch (error) {
    throw asElmError(error)
  }
  const node = expanded.length === 1 ? (expanded[0] as Record<string, unknown>) : undefined
  const types = Array.isArray(node?.['@type']) ? (node['@type'] as unknown[]) : []
  if (!types.includes(ELM_EUROPEAN_DIGITAL_CREDENTIAL)) {
    throw notEdc('its top-level node is not an elm:EuropeanDigitalCredential (type EuropeanDigitalCredential)')
  }
}
