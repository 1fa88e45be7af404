// Documents that attack or probe SHACL validation, shared by the tests of validateEdcShacl and of
// the worker pool (issue 12 §3, §5).

const SUBCLASS_OF = 'http://www.w3.org/2000/01/rdf-schema#subClassOf'
const EDC_CLASS = 'http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential'

/**
 * A ladder of `rdfs:subClassOf` diamonds under `elm:EuropeanDigitalCredential`: rung i's class has
 * two subclasses, both superclasses of rung i+1's. An engine that follows subclasses without
 * remembering what it saw visits the bottom 2^depth times (the outside review: depth 19 → 17.5 s).
 * Four schema triples per rung; depth 25 is about 7 KB.
 */
export function subClassOfLadder(depth: number): Record<string, unknown>[] {
  const nodes: Record<string, unknown>[] = []
  let top = EDC_CLASS
  for (let i = 0; i < depth; i++) {
    const left = `urn:ladder:left:${i}`
    const right = `urn:ladder:right:${i}`
    const next = `urn:ladder:rung:${i + 1}`
    nodes.push({ '@id': left, [SUBCLASS_OF]: { '@id': top } }, { '@id': right, [SUBCLASS_OF]: { '@id': top } })
    nodes.push({ '@id': next, [SUBCLASS_OF]: [{ '@id': left }, { '@id': right }] })
    top = next
  }
  return nodes
}

/** `document` with the ladder hung under a property of its own (absolute IRIs pass safe mode). */
export function withLadder(document: Record<string, unknown>, depth: number): Record<string, unknown> {
  return { ...document, 'http://example.org/attack#ladder': subClassOfLadder(depth) }
}
