// A tiny element builder: text goes in as text nodes, never as HTML, so nothing the API returns
// can become markup.

/**
 * h('button', { type: 'button', onclick: fn, class: 'primary' }, 'Save')
 * Attributes: `class`, `for`, data-*, aria-* and the rest as attributes; `on<event>` as listeners;
 * `value`, `checked`, `disabled`, `hidden`, `selected` as properties. Children: strings, nodes,
 * arrays, and null/false/undefined (skipped).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value)
    else if (['value', 'checked', 'disabled', 'hidden', 'selected', 'required', 'readOnly'].includes(name))
      element[name] = value
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  append(element, children)
  return element
}

/** Replaces the children of `parent`, skipping null/false/undefined as h() does. */
export function replace(parent, ...children) {
  parent.replaceChildren()
  append(parent, children)
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(parent, child)
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
}

let ids = 0
/** A document-unique id, for label/aria links. */
export function uid(prefix) {
  ids += 1
  return `${prefix}-${ids}`
}

/** A labelled form field: the label names the control (keyboard and screen readers). */
export function field(label, control, help) {
  const id = control.id || uid('field')
  control.id = id
  const helpNode = help ? h('p', { class: 'help', id: `${id}-help` }, help) : null
  if (helpNode) control.setAttribute('aria-describedby', helpNode.id)
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, helpNode)
}

/** Runs `fn` at most every `ms`, with the last arguments. */
export function debounce(fn, ms) {
  let timer
  return (...args) => {
    clearTimeout(timer)
    timer = setTimeout(() => fn(...args), ms)
  }
}
