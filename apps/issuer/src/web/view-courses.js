// Courses: the list, and the editor with the live Annex I checklist. The checklist asks the API
// (POST …/specifications/{id}/annex-i-check, nothing stored) as the person types, and says in
// words which elements of Annex I of the Council Recommendation are missing or invalid.
import { api, errorText } from './api.js'
import { debounce, field, h, replace } from './dom.js'
import { formatDate, t } from './i18n.js'
import { announce, go } from './ui.js'

export async function coursesView() {
  const { items } = await api('GET', '/specifications')
  return h(
    'section',
    {},
    h(
      'div',
      { class: 'heading-row' },
      h('h1', {}, t('courses.title')),
      h('a', { class: 'button primary', href: '#/courses/new' }, t('courses.new')),
    ),
    items.length === 0
      ? h('p', {}, t('courses.none'))
      : h(
          'table',
          { class: 'table', id: 'courses-table' },
          h('caption', { class: 'visually-hidden' }, t('courses.title')),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [t('courses.id'), t('courses.version'), t('courses.micro'), t('courses.updated'), t('actions')].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            items.map((course) =>
              h(
                'tr',
                { 'data-course': course.id },
                h('th', { scope: 'row' }, course.id),
                h('td', {}, String(course.version)),
                h('td', {}, course.isMicroCredential ? t('yes') : t('no')),
                h('td', {}, formatDate(course.updatedAt)),
                h(
                  'td',
                  {},
                  h(
                    'a',
                    { href: `#/courses/${course.id}`, 'aria-label': t('courses.editNamed', { id: course.id }) },
                    t('courses.edit'),
                  ),
                ),
              ),
            ),
          ),
        ),
  )
}

/** Unsaved editor text per course ('' for a new one): a language switch re-renders the view. */
const drafts = new Map()

const STATUS_MARK = { present: '✓', missing: '✗', invalid: '!', 'not-applicable': '–' }

function parseJson(text) {
  try {
    const value = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: t('editor.notAnObject') }
    return { value }
  } catch (error) {
    return { error: error instanceof SyntaxError ? error.message : String(error) }
  }
}

function issueList(issues, className = 'issues') {
  if (!issues?.length) return null
  return h(
    'ul',
    { class: className },
    issues.map((i) => h('li', {}, h('code', {}, i.path), ': ', i.message)),
  )
}

function elementName(element) {
  return `${element.number}. ${t(`annex.${element.number}`)}`
}

/** The checklist of one check answer (see admin/annex-i-check.ts for its shape). */
function renderChecklist(container, summary, check, { showIdIssues }) {
  const mandatoryOpen = check.elements.filter((e) => e.mandatory && e.status !== 'present')
  const elementIssues = new Set(check.elements.flatMap((e) => e.issues.map((i) => i.path)))
  const otherIssues = check.issues.filter((i) => !elementIssues.has(i.path) && (showIdIssues || i.path !== 'id'))
  if (check.isMicroCredential) {
    summary.className = 'notice ok'
    summary.textContent = t('annex.ready')
  } else {
    summary.className = 'notice error'
    const parts = []
    const missing = mandatoryOpen.filter((e) => e.status === 'missing')
    const invalid = mandatoryOpen.filter((e) => e.status === 'invalid')
    if (missing.length) parts.push(t('annex.missing', { list: missing.map(elementName).join('; ') }))
    if (invalid.length) parts.push(t('annex.invalid', { list: invalid.map(elementName).join('; ') }))
    if (otherIssues.length) parts.push(t('annex.otherProblems', { count: otherIssues.length }))
    summary.textContent = parts.join(' ') || t('annex.notValid')
  }
  replace(
    container,
    h(
      'ol',
      { class: 'checklist', id: 'annex-checklist' },
      check.elements.map((e) =>
        h(
          'li',
          { class: `check ${e.status}`, 'data-element': String(e.number), 'data-status': e.status },
          h('span', { class: 'mark', 'aria-hidden': 'true' }, STATUS_MARK[e.status] ?? '?'),
          h(
            'div',
            {},
            h('span', { class: 'element-name' }, elementName(e)),
            ' ',
            h('span', { class: 'badge' }, t(`status.${e.status}`)),
            e.mandatory ? null : h('span', { class: 'muted' }, ` (${t('annex.optional')})`),
            e.source !== 'course' ? h('p', { class: 'muted small' }, t(`annex.source.${e.source}`)) : null,
            e.value
              ? h('p', { class: 'small value' }, e.value.length > 160 ? `${e.value.slice(0, 157)}…` : e.value)
              : null,
            issueList(e.issues),
          ),
        ),
      ),
    ),
    otherIssues.length ? h('div', {}, h('h3', {}, t('annex.otherTitle')), issueList(otherIssues)) : null,
  )
}

export async function courseEditorView(courseId) {
  const editing = courseId !== undefined
  const [existing, list] = await Promise.all([
    editing ? api('GET', `/specifications/${courseId}`) : undefined,
    editing ? undefined : api('GET', '/specifications'),
  ])
  let version = existing?.version
  const draftKey = courseId ?? ''
  const draft = drafts.get(draftKey)

  const idInput = h('input', {
    name: 'id',
    required: true,
    pattern: '[a-z0-9]([a-z0-9\\-]*[a-z0-9])?',
    maxlength: '64',
    spellcheck: 'false',
    value: courseId ?? draft?.id ?? '',
    readOnly: editing,
  })
  const titleEn = h('input', { name: 'title-en', lang: 'en' })
  const titleDe = h('input', { name: 'title-de', lang: 'de' })
  const json = h('textarea', { name: 'specification', rows: '26', spellcheck: 'false', class: 'code' })
  json.value = draft?.text ?? (existing ? JSON.stringify(existing.specification, null, 2) : '{\n}')
  const summary = h('p', { id: 'annex-summary', class: 'notice', 'aria-live': 'polite' }, t('annex.checking'))
  const checklist = h('div', {})
  const saveError = h('div', { class: 'notice error', role: 'alert', tabindex: '-1', hidden: true })
  const save = h('button', { type: 'submit', class: 'button primary' }, t('editor.save'))

  function syncTitlesFromJson() {
    const parsed = parseJson(json.value)
    if (!parsed.value) return
    const title = parsed.value.title ?? {}
    if (document.activeElement !== titleEn) titleEn.value = typeof title.en === 'string' ? title.en : ''
    if (document.activeElement !== titleDe) titleDe.value = typeof title.de === 'string' ? title.de : ''
  }

  function setTitle(language, value) {
    const parsed = parseJson(json.value)
    if (!parsed.value) return
    const title = typeof parsed.value.title === 'object' && parsed.value.title ? { ...parsed.value.title } : {}
    if (value.trim()) title[language] = value
    else delete title[language]
    parsed.value.title = title
    json.value = JSON.stringify(parsed.value, null, 2)
    changed()
  }

  let checks = 0
  async function runCheck() {
    const ticket = ++checks
    const parsed = parseJson(json.value)
    if (parsed.error) {
      summary.className = 'notice error'
      summary.textContent = t('editor.badJson', { message: parsed.error })
      checklist.classList.add('stale')
      return
    }
    const id = idInput.value.trim()
    try {
      const check = await api('POST', `/specifications/${encodeURIComponent(id || 'new-course')}/annex-i-check`, {
        json: { specification: parsed.value },
      })
      if (ticket !== checks) return
      checklist.classList.remove('stale')
      renderChecklist(checklist, summary, check, { showIdIssues: id !== '' })
    } catch (error) {
      if (ticket !== checks) return
      summary.className = 'notice error'
      summary.textContent = errorText(error)
    }
  }
  const checkSoon = debounce(runCheck, 350)

  function changed() {
    drafts.set(draftKey, { text: json.value, id: idInput.value })
    checkSoon()
  }

  json.addEventListener('input', () => {
    syncTitlesFromJson()
    changed()
  })
  idInput.addEventListener('input', changed)
  titleEn.addEventListener('input', () => setTitle('en', titleEn.value))
  titleDe.addEventListener('input', () => setTitle('de', titleDe.value))

  let startFrom = null
  if (!editing && list.items.length > 0) {
    const select = h(
      'select',
      { name: 'start-from' },
      h('option', { value: '' }, t('editor.startEmpty')),
      list.items.map((c) => h('option', { value: c.id }, c.id)),
    )
    select.addEventListener('change', async () => {
      if (!select.value) return
      try {
        const source = await api('GET', `/specifications/${select.value}`)
        json.value = JSON.stringify(source.specification, null, 2)
        syncTitlesFromJson()
        changed()
      } catch (error) {
        announce(errorText(error), 'error')
      }
    })
    startFrom = field(t('editor.startFrom'), select, t('editor.startFromHelp'))
  }

  async function onSave(event) {
    event.preventDefault()
    saveError.hidden = true
    const parsed = parseJson(json.value)
    if (parsed.error) {
      replace(saveError, h('p', {}, t('editor.badJson', { message: parsed.error })))
      saveError.hidden = false
      json.focus()
      return
    }
    const id = idInput.value.trim()
    if (!id || !idInput.checkValidity()) {
      replace(saveError, h('p', {}, t('editor.badId')))
      saveError.hidden = false
      idInput.focus()
      return
    }
    save.disabled = true
    try {
      const saved = await api('PUT', `/specifications/${id}`, {
        json: { specification: parsed.value },
        headers: version !== undefined ? { 'if-match': `"${version}"` } : {},
      })
      version = saved.version
      drafts.delete(draftKey)
      announce(t(editing ? 'editor.updated' : 'editor.created', { id, version: saved.version }))
      go(`#/courses/${id}`, { keepStatus: true })
    } catch (error) {
      replace(saveError, h('p', {}, errorText(error)), issueList(error.issues ?? []))
      saveError.hidden = false
      saveError.focus()
    } finally {
      save.disabled = false
    }
  }

  syncTitlesFromJson()
  runCheck()

  return h(
    'section',
    {},
    h('h1', {}, editing ? t('editor.editTitle', { id: courseId }) : t('editor.newTitle')),
    editing ? h('p', { class: 'muted' }, t('editor.version', { version })) : h('p', {}, t('editor.intro')),
    h(
      'div',
      { class: 'editor-grid' },
      h(
        'form',
        { onsubmit: onSave, class: 'panel', 'aria-labelledby': 'editor-form-title' },
        h('h2', { id: 'editor-form-title' }, t('editor.formTitle')),
        field(t('editor.id'), idInput, editing ? t('editor.idFixed') : t('editor.idHelp')),
        field(t('editor.titleEn'), titleEn),
        field(t('editor.titleDe'), titleDe),
        startFrom,
        field(t('editor.json'), json, t('editor.jsonHelp')),
        saveError,
        h('div', { class: 'actions' }, save, h('a', { href: '#/courses', class: 'button quiet' }, t('cancel'))),
      ),
      h(
        'aside',
        { class: 'panel checklist-panel', 'aria-labelledby': 'checklist-title' },
        h('h2', { id: 'checklist-title' }, t('annex.title')),
        h('p', { class: 'muted small' }, t('annex.intro')),
        summary,
        checklist,
      ),
    ),
  )
}
