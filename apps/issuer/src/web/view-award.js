// Award: one learner (a form → POST …/awards, then an offer), or a cohort from a CSV file
// (POST …/awards/cohort) with upload progress and the API's report per row.
import { ApiError, api, errorText, uploadCsv } from './api.js'
import { field, h, replace } from './dom.js'
import { t } from './i18n.js'
import { announce, go } from './ui.js'
import { rememberOffer } from './view-award-detail.js'

const COLUMNS = 'given_name, family_name, email, date_of_birth, student_number, grade, awarding_date'

function courseSelect(courses, name) {
  return h(
    'select',
    { name, required: true },
    courses.map((c) => h('option', { value: c.id }, c.id)),
  )
}

function issueList(issues) {
  if (!issues?.length) return null
  return h(
    'ul',
    { class: 'issues' },
    issues.map((i) => h('li', {}, h('code', {}, i.path), ': ', i.message)),
  )
}

function today() {
  return new Date().toISOString().slice(0, 10)
}

function learnerForm(courses) {
  const course = courseSelect(courses, 'course')
  const given = h('input', { name: 'given-name', required: true, autocomplete: 'off' })
  const family = h('input', { name: 'family-name', required: true, autocomplete: 'off' })
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'off' })
  const birth = h('input', { name: 'date-of-birth', type: 'date' })
  const number = h('input', { name: 'student-number', autocomplete: 'off' })
  const grade = h('input', { name: 'grade', required: true, value: 'Pass' })
  const date = h('input', { name: 'awarding-date', type: 'date', required: true, value: today() })
  const hold = h('input', { name: 'hold', type: 'checkbox', id: 'award-hold' })
  const txCode = h('input', { name: 'tx-code', type: 'checkbox', id: 'award-tx-code', checked: true })
  const error = h('div', { class: 'notice error', role: 'alert', tabindex: '-1', hidden: true })
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('award.submit'))

  async function onSubmit(event) {
    event.preventDefault()
    error.hidden = true
    const learner = { givenName: given.value.trim(), familyName: family.value.trim() }
    if (email.value.trim()) learner.email = email.value.trim()
    if (birth.value) learner.dateOfBirth = birth.value
    if (number.value.trim()) learner.identifiers = [{ schemeName: 'Student number', notation: number.value.trim() }]
    submit.disabled = true
    try {
      const award = await api('POST', '/awards', {
        json: {
          specificationId: course.value,
          award: { learner, grade: grade.value.trim(), awardingDate: date.value },
          ...(hold.checked ? { hold: true } : {}),
        },
      })
      const offer = await api('POST', `/awards/${encodeURIComponent(award.id)}/offers`, {
        json: { txCode: txCode.checked },
      })
      rememberOffer(award.id, offer)
      announce(t('award.created', { name: `${learner.givenName} ${learner.familyName}` }))
      go(`#/awards/${encodeURIComponent(award.id)}`, { keepStatus: true })
    } catch (e) {
      replace(error, h('p', {}, errorText(e)), issueList(e instanceof ApiError ? e.issues : []))
      error.hidden = false
      error.focus()
    } finally {
      submit.disabled = false
    }
  }

  return h(
    'form',
    { class: 'panel', onsubmit: onSubmit, 'aria-labelledby': 'one-title' },
    h('h2', { id: 'one-title' }, t('award.oneTitle')),
    field(t('award.course'), course),
    h(
      'div',
      { class: 'two' },
      field(t('award.givenName'), given),
      field(t('award.familyName'), family),
      field(t('award.email'), email),
      field(t('award.dateOfBirth'), birth),
      field(t('award.studentNumber'), number),
      field(t('award.grade'), grade, t('award.gradeHelp')),
      field(t('award.awardingDate'), date),
    ),
    h('div', { class: 'check-field' }, txCode, h('label', { for: 'award-tx-code' }, t('award.txCode'))),
    h('div', { class: 'check-field' }, hold, h('label', { for: 'award-hold' }, t('award.hold'))),
    error,
    h('div', { class: 'actions' }, submit),
  )
}

function cohortForm(courses) {
  const course = courseSelect(courses, 'cohort-course')
  const file = h('input', { name: 'csv', type: 'file', accept: '.csv,text/csv', required: true })
  const mode = h(
    'select',
    { name: 'mode' },
    h('option', { value: 'all-or-nothing' }, t('cohort.allOrNothing')),
    h('option', { value: 'valid-rows' }, t('cohort.validRows')),
  )
  const hold = h('input', { name: 'cohort-hold', type: 'checkbox', id: 'cohort-hold' })
  const progress = h('progress', {
    max: '1',
    id: 'cohort-progress',
    hidden: true,
    'aria-labelledby': 'cohort-progress-text',
  })
  const progressText = h('p', { id: 'cohort-progress-text', class: 'muted', 'aria-live': 'polite' })
  const result = h('div', { id: 'cohort-result', tabindex: '-1' })
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('cohort.submit'))

  function showReport(status, body) {
    const rows = Array.isArray(body.rows) ? body.rows : []
    const ok = status === 201
    const summary = ok
      ? t('cohort.stored', { stored: body.stored, failed: body.failed })
      : (body.error_description ?? t('error.status', { status }))
    replace(
      result,
      h('p', { class: `notice ${ok && !body.failed ? 'ok' : 'error'}`, role: ok ? 'status' : 'alert' }, summary),
      !rows.length
        ? issueList(body.issues)
        : h(
            'table',
            { class: 'table', id: 'cohort-rows' },
            h('caption', {}, t('cohort.reportTitle')),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [t('cohort.row'), t('cohort.learner'), t('cohort.result'), t('cohort.problems')].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              rows.map((row) =>
                h(
                  'tr',
                  { class: row.ok ? 'row-ok' : 'row-error', 'data-row': String(row.row) },
                  h('th', { scope: 'row' }, String(row.row)),
                  h('td', {}, row.learner ?? ''),
                  h(
                    'td',
                    {},
                    row.ok
                      ? row.awardId
                        ? h('a', { href: `#/awards/${encodeURIComponent(row.awardId)}` }, t('cohort.storedRow'))
                        : t('cohort.validRow')
                      : t('cohort.errorRow'),
                  ),
                  h('td', {}, row.ok ? '' : issueList(row.issues)),
                ),
              ),
            ),
          ),
    )
    result.focus()
  }

  async function onSubmit(event) {
    event.preventDefault()
    const chosen = file.files?.[0]
    if (!chosen) return
    submit.disabled = true
    replace(result)
    progress.hidden = false
    progress.value = 0
    progressText.textContent = t('cohort.uploading', { percent: 0 })
    const query = new URLSearchParams({ specificationId: course.value, mode: mode.value })
    if (hold.checked) query.set('hold', 'true')
    try {
      const { status, body } = await uploadCsv(`/awards/cohort?${query}`, chosen, (fraction) => {
        if (fraction === null) {
          progress.removeAttribute('value')
          progressText.textContent = t('cohort.checking')
        } else {
          progress.value = fraction
          progressText.textContent = t('cohort.uploading', { percent: Math.round(fraction * 100) })
        }
      })
      progress.hidden = true
      progressText.textContent = t('cohort.done')
      showReport(status, body)
    } catch (e) {
      progress.hidden = true
      progressText.textContent = ''
      replace(result, h('p', { class: 'notice error', role: 'alert' }, errorText(e)))
    } finally {
      submit.disabled = false
    }
  }

  return h(
    'form',
    { class: 'panel', onsubmit: onSubmit, 'aria-labelledby': 'cohort-title' },
    h('h2', { id: 'cohort-title' }, t('cohort.title')),
    h('p', { class: 'muted' }, t('cohort.columns', { columns: COLUMNS })),
    field(t('award.course'), course),
    field(t('cohort.file'), file),
    field(t('cohort.mode'), mode, t('cohort.modeHelp')),
    h('div', { class: 'check-field' }, hold, h('label', { for: 'cohort-hold' }, t('award.hold'))),
    h('div', { class: 'actions' }, submit),
    progress,
    progressText,
    result,
  )
}

export async function awardView() {
  const { items } = await api('GET', '/specifications')
  const courses = items.filter((c) => c.isMicroCredential)
  return h(
    'section',
    {},
    h('h1', {}, t('award.title')),
    courses.length === 0
      ? h('p', {}, t('award.noCourses'), ' ', h('a', { href: '#/courses/new' }, t('courses.new')))
      : h('div', { class: 'two-panels' }, learnerForm(courses), cohortForm(courses)),
  )
}
