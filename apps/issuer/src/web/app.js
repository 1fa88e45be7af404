// The issuer admin app: hash routes over the admin API, no framework, no build step.
// #/courses, #/courses/new, #/courses/<id>, #/award, #/awards/<id>, #/credentials; the sign-in
// form whenever there is no key in this tab's session.
import { api, errorText, session } from './api.js'
import { h } from './dom.js'
import { applyStaticText, language, setLanguage, t } from './i18n.js'
import { announce } from './ui.js'
import { awardView } from './view-award.js'
import { awardDetailView } from './view-award-detail.js'
import { courseEditorView, coursesView } from './view-courses.js'
import { credentialsView } from './view-credentials.js'
import { signInView } from './view-sign-in.js'

const main = document.getElementById('main')
const nav = document.getElementById('nav')

const ROUTES = [
  { pattern: /^#\/courses\/new$/, view: () => courseEditorView(undefined), nav: 'courses' },
  { pattern: /^#\/courses\/([a-z0-9-]+)$/, view: (m) => courseEditorView(m[1]), nav: 'courses' },
  { pattern: /^#\/courses$/, view: () => coursesView(), nav: 'courses' },
  { pattern: /^#\/award$/, view: () => awardView(), nav: 'award' },
  { pattern: /^#\/awards\/([^/]+)$/, view: (m) => awardDetailView(decodeURIComponent(m[1])), nav: 'award' },
  { pattern: /^#\/credentials(\?.*)?$/, view: () => credentialsView(), nav: 'credentials' },
]

function showChrome(current) {
  const links = [
    ['courses', '#/courses', t('nav.courses')],
    ['award', '#/award', t('nav.award')],
    ['credentials', '#/credentials', t('nav.credentials')],
  ]
  nav.replaceChildren(
    h(
      'ul',
      {},
      links.map(([name, href, label]) =>
        h('li', {}, h('a', { href, 'aria-current': name === current ? 'page' : undefined }, label)),
      ),
    ),
  )
  const who = document.getElementById('who')
  who.textContent = t('signedInAs', { tenant: session.tenant })
  for (const id of ['nav', 'who', 'sign-out']) document.getElementById(id).hidden = false
}

function hideChrome() {
  for (const id of ['nav', 'who', 'sign-out']) document.getElementById(id).hidden = true
}

let rendering = 0
/** Renders the view of the current hash and moves focus to its heading (not on first load). */
async function render({ keepStatus = false, focus = true } = {}) {
  const ticket = ++rendering
  if (!keepStatus) announce('')
  let node
  if (!session.signedIn) {
    hideChrome()
    node = signInView()
  } else {
    const hash = location.hash && location.hash !== '#' ? location.hash : '#/courses'
    const route = ROUTES.find((r) => r.pattern.test(hash))
    if (!route) {
      location.replace('#/courses')
      return
    }
    showChrome(route.nav)
    try {
      node = await route.view(hash.match(route.pattern))
    } catch (error) {
      node = h('section', {}, h('h1', {}, t('error.title')), h('p', { class: 'notice error' }, errorText(error)))
    }
  }
  if (ticket !== rendering) return
  main.replaceChildren(node)
  const heading = main.querySelector('h1')
  if (heading) {
    heading.setAttribute('tabindex', '-1')
    document.title = `${heading.textContent} · Alma`
    // Keyboard and screen reader users land on the new view, not at the top of the old one.
    if (focus) heading.focus()
  }
}

let pending
document.addEventListener('alma:navigate', (event) => {
  const { hash, keepStatus } = event.detail
  if (location.hash === hash) render({ keepStatus })
  else {
    pending = { keepStatus }
    location.hash = hash
  }
})
window.addEventListener('hashchange', () => {
  const options = pending ?? {}
  pending = undefined
  render(options)
})

api.onSignedOut = (error) => {
  session.signOut()
  announce(`${t('error.signedOut')} ${error.message}`, 'error')
  render({ keepStatus: true })
}

const languageSelect = document.getElementById('language')
languageSelect.value = language()
languageSelect.addEventListener('change', () => {
  setLanguage(languageSelect.value)
  applyStaticText()
  render({ focus: false })
})
document.getElementById('sign-out').addEventListener('click', () => {
  session.signOut()
  announce(t('signedOut'))
  history.replaceState(null, '', location.pathname)
  render({ keepStatus: true })
})

applyStaticText()
render({ focus: false })
