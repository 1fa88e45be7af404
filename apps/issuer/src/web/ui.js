// What every view needs of the page: the announcement region and navigation.
import { h } from './dom.js'

/** A message for everyone, screen readers included (role=status); kind: 'ok' | 'error'. */
export function announce(message, kind = 'ok') {
  const region = document.getElementById('status')
  region.replaceChildren(message ? h('p', { class: `notice ${kind}` }, message) : '')
}

/**
 * Goes to `hash` (re-rendering when it is the current one). `keepStatus` keeps the last
 * announcement, e.g. "Saved" after a save that leads to another view.
 */
export function go(hash, { keepStatus = false } = {}) {
  document.dispatchEvent(new CustomEvent('alma:navigate', { detail: { hash, keepStatus } }))
}
