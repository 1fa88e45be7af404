// Claims path pointers (OpenID4VP 1.0 §7): how a query names claims — a string selects an object
// member, null every element of an array, a non-negative integer one element — and how the
// wallet names the concrete claims of one credential (no nulls).

/** A claims path pointer as a DCQL query writes it (OpenID4VP 1.0 §7.1). */
export type ClaimPathPattern = readonly (string | number | null)[]

/** A concrete claim in one credential: object members by name, array elements by index. */
export type ClaimPath = readonly (string | number)[]

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The concrete claims of `claims` that `pattern` selects (OpenID4VP 1.0 §7.2: processing a claims
 * path pointer): every path the pattern matches, none if it matches nothing.
 *
 * @example
 * ```ts
 * expandClaimPath(['degrees', null, 'type'], { degrees: [{ type: 'BSc' }, { type: 'MSc' }] })
 * // [['degrees', 0, 'type'], ['degrees', 1, 'type']]
 * ```
 */
export function expandClaimPath(pattern: ClaimPathPattern, claims: unknown): ClaimPath[] {
  let selected: { path: (string | number)[]; value: unknown }[] = [{ path: [], value: claims }]
  for (const component of pattern) {
    const next: typeof selected = []
    for (const { path, value } of selected) {
      if (typeof component === 'string') {
        if (isObject(value) && Object.hasOwn(value, component))
          next.push({ path: [...path, component], value: value[component] })
      } else if (component === null) {
        if (Array.isArray(value)) {
          for (const [index, element] of value.entries()) next.push({ path: [...path, index], value: element })
        }
      } else if (Number.isInteger(component) && component >= 0 && Array.isArray(value) && component < value.length) {
        next.push({ path: [...path, component], value: value[component] })
      }
    }
    selected = next
  }
  return selected.map(({ path }) => path)
}

/** Whether `prefix` is `path` or one of its ancestors. */
export function isPrefixOf(prefix: ClaimPath, path: ClaimPath): boolean {
  return prefix.length <= path.length && prefix.every((component, i) => component === path[i])
}

/** Same path, component by component. */
export function samePath(a: ClaimPath, b: ClaimPath): boolean {
  return a.length === b.length && isPrefixOf(a, b)
}

/** `credentialSubject.givenName`, `degrees.0.type`: how the CLI writes a path and reads `--disclose`. */
export function formatClaimPath(path: ClaimPath): string {
  return path.join('.')
}

/**
 * Reads a dotted path against a credential's claims: a numeric component is an array index where
 * the claim there is an array, an object member name otherwise.
 */
export function parseClaimPath(text: string, claims: unknown): ClaimPath {
  const path: (string | number)[] = []
  let value: unknown = claims
  for (const component of text.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(component)) {
      const index = Number(component)
      path.push(index)
      value = value[index]
    } else {
      path.push(component)
      value = isObject(value) ? value[component] : undefined
    }
  }
  return path
}

/** Removes duplicate paths, keeping the first of each. */
export function uniquePaths(paths: Iterable<ClaimPath>): ClaimPath[] {
  const out: ClaimPath[] = []
  for (const path of paths) if (!out.some((p) => samePath(p, path))) out.push(path)
  return out
}
