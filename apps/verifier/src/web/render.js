// DOM building for results: every text from the server goes in through textContent, never as
// markup (the page's CSP also forbids string-to-markup sinks: require-trusted-types-for 'script').
import { annexIName, checkName, translate } from './i18n.js'

/**
 * An element with attributes and children (strings become text nodes).
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined>} [attributes] `class`, `text`, or any attribute
 * @param {...(Node | string | null | undefined | false)} children
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (name === 'text') node.textContent = String(value)
    else if (name === 'class') node.className = String(value)
    else node.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    node.append(typeof child === 'string' ? document.createTextNode(child) : child)
  }
  return node
}

const VERDICT_SYMBOL = { verified: '✓', 'partially-verified': '!', failed: '✗' }
const STATUS_SYMBOL = { OK: '✓', ERROR: '✗', SKIPPED: '–' }

/** The verdict as a coloured ribbon that also says it in words (colour is never the only signal). */
export function verdictRibbon(lang, verdict, extraClass = '') {
  const known = verdict in VERDICT_SYMBOL ? verdict : 'failed'
  return el(
    'p',
    { class: `ribbon ribbon--${known} ${extraClass}`.trim(), 'data-verdict': known },
    el('span', { class: 'ribbon__symbol', 'aria-hidden': 'true', text: VERDICT_SYMBOL[known] }),
    el('span', { class: 'ribbon__text', text: translate(lang, `verdict.${known}`) }),
  )
}

/** A table of checks: name, status (symbol and word), the verifier's reason. */
export function checksTable(lang, checks, caption) {
  const rows = checks.map((check) => {
    const status = check.status in STATUS_SYMBOL ? check.status : 'ERROR'
    return el(
      'tr',
      { 'data-check': check.id, 'data-status': status },
      el('th', { scope: 'row', text: checkName(lang, check.id) }),
      el(
        'td',
        { class: `status status--${status.toLowerCase()}` },
        el('span', { 'aria-hidden': 'true', text: `${STATUS_SYMBOL[status]} ` }),
        translate(lang, `status.${status}`),
      ),
      el('td', { class: 'reason', text: check.reason ?? '' }),
    )
  })
  return el(
    'table',
    { class: 'checks' },
    el('caption', { text: caption }),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col', text: translate(lang, 'result.check') }),
        el('th', { scope: 'col', text: translate(lang, 'result.status') }),
        el('th', { scope: 'col', text: translate(lang, 'result.reason') }),
      ),
    ),
    el('tbody', {}, ...rows),
  )
}

/** The facts of a credential as a description list; learning outcomes with their ESCO skills. */
export function factsList(lang, facts) {
  const list = el('dl', { class: 'facts' })
  for (const fact of facts) {
    const label = fact.label?.[lang] ?? fact.label?.en ?? fact.name
    list.append(el('dt', { 'data-fact': fact.name, text: label }))
    for (const value of fact.values) {
      const dd = el('dd', { 'data-fact': fact.name }, el('span', { text: value.text }))
      if (value.skills?.length) {
        const skills = el('ul', { class: 'skills', 'aria-label': translate(lang, 'result.skills') })
        for (const skill of value.skills) {
          skills.append(el('li', {}, el('span', { class: 'skill', title: skill.uri, text: skill.label })))
        }
        dd.append(skills)
      }
      list.append(dd)
    }
  }
  return list
}

function claimText(value) {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return value.map(claimText).join('; ')
  if (value && typeof value === 'object') {
    if (typeof value.name === 'string') return value.country ? `${value.name} (${value.country})` : value.name
    return JSON.stringify(value)
  }
  return ''
}

/**
 * The Annex I view: an EDC's report (`elements[].status` present / missing / not-applicable, with a
 * value) or the disclosed-claims view of an SD-JWT (`source: 'disclosed-claims'`).
 */
export function annexITable(lang, annexI) {
  const disclosedView = annexI.source === 'disclosed-claims'
  const rows = (annexI.elements ?? []).map((element) => {
    const value = disclosedView
      ? Object.values(element.claims ?? {})
          .map(claimText)
          .join('; ')
      : (element.value ?? '')
    return el(
      'tr',
      { 'data-element': String(element.number), 'data-status': element.status },
      el('th', { scope: 'row' }, `${element.number}. ${annexIName(lang, element.number, element.name)}`),
      el(
        'td',
        {},
        translate(lang, `annex.${element.status}`),
        element.mandatory ? el('span', { class: 'muted', text: ` (${translate(lang, 'annex.mandatory')})` }) : null,
      ),
      el('td', { class: 'value', text: value }),
    )
  })
  let summary
  if (disclosedView) {
    summary = annexI.notDisclosed?.length
      ? translate(lang, 'annex.notDisclosed', { missing: annexI.notDisclosed.join(', ') })
      : ''
  } else if (annexI.isMicroCredential) {
    summary = translate(lang, 'annex.microCredential')
  } else {
    summary = translate(lang, 'annex.notMicroCredential', { missing: (annexI.missing ?? []).join(', ') })
  }
  return el(
    'details',
    { class: 'annex-i' },
    el('summary', { text: translate(lang, 'result.annexI') }),
    summary ? el('p', { text: summary }) : null,
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col', text: translate(lang, 'result.element') }),
          el('th', { scope: 'col', text: translate(lang, 'result.status') }),
          el('th', { scope: 'col', text: translate(lang, 'result.value') }),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
  )
}

/** §6.2 credential sets: which were satisfied, and by which credential queries. */
export function credentialSetsList(lang, sets) {
  return el(
    'ul',
    { class: 'credential-sets' },
    ...sets.map((set) =>
      el(
        'li',
        {},
        `${set.options.map((option) => option.join(' + ')).join(' | ')} (${translate(lang, set.required ? 'result.required' : 'result.optional')}): `,
        set.satisfiedBy?.length
          ? translate(lang, 'result.setSatisfied', { ids: set.satisfiedBy.join(', ') })
          : translate(lang, 'result.setNotSatisfied'),
      ),
    ),
  )
}

/** A message box for an error in words. */
export function errorText(lang, error) {
  if (error?.key) return translate(lang, error.key, error.vars)
  if (typeof error?.message === 'string' && error.message) return error.message
  return String(error)
}
