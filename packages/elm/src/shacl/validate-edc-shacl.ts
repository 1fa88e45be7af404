import { readFileSync } from 'node:fs'
import type { DatasetCore, Quad, Term } from '@rdfjs/types'
import rdf from '@zazuko/env'
import jsonld from 'jsonld'
import { Parser } from 'n3'
import SHACLValidator from 'rdf-validate-shacl'
import { ElmError } from '../errors.ts'
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
}

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

/** Turns a JSON-LD EDC document into an RDF dataset, with contexts served offline. */
export async function edcToDataset(document: unknown): Promise<DatasetCore> {
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
): Promise<ShaclReport> {
  const data = await edcToDataset(document)
  const validator = new SHACLValidator(rdf.dataset(loadShapeOntology(PROFILE_ONTOLOGY[profile])), {
    factory: rdf,
    importGraph: (iri: Term) => rdf.dataset(loadShapeOntology(iri.value)),
  })
  const report = await validator.validate(data)
  const violations = report.results.flatMap((result) => leafViolations(result, []))
  return { profile, conforms: report.conforms, violations }
}
