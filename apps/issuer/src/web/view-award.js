// Award: one learner (a form → POST …/awards, then an offer), or a cohort from a CSV file
// (POST …/awards/cohort): upload progress, then either the check's report per row (a refused
// file) or the cohort job's progress (GET …/cohorts/{job}), which can be stopped, and at its end
// the report per row with a link to each award.
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

/** How often a running cohort job is asked for its progress. */
const POLL_MS = 1000
const FINAL = new Set(['succeeded', 'failed', 'cancelled'])

function reportTable(rows, cells) {
  return h(
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
      rows.map((row) => {
        const [kind, result, problems] = cells(row)
        return h(
          'tr',
          { class: kind, 'data-row': String(row.row) },
          h('th', { scope: 'row' }, String(row.row)),
          h('td', {}, row.learner ?? ''),
          h('td', {}, result),
          h('td', {}, problems),
        )
      }),
    ),
  )
}

/** The check's report of a refused file: each row valid or not, with its problems. */
function checkCells(row) {
  return [
    row.ok ? 'row-ok' : 'row-error',
    row.ok ? t('cohort.validRow') : t('cohort.errorRow'),
    row.ok ? '' : issueList(row.issues),
  ]
}

/** A cohort job's report: each row stored (a link to its award), failed with its problems, or not awarded. */
function jobCells(row) {
  if (row.state === 'issued')
    return ['row-ok', h('a', { href: `#/awards/${encodeURIComponent(row.awardId)}` }, t('cohort.storedRow')), '']
  if (row.state === 'failed') return ['row-error', t('cohort.failedRow'), issueList(row.issues)]
  return ['row-pending', t('cohort.pendingRow'), '']
}

function jobSummary(job) {
  if (job.state === 'cancelled') return t('cohort.cancelled', { stored: job.issued, pending: job.pending })
  if (job.state === 'failed') return t('cohort.jobFailed', { stored: job.issued, failed: job.failed })
  return t('cohort.stored', { stored: job.issued, failed: job.failed })
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
  // Polite: a screen reader hears the progress when it changes, without losing its place.
  const progressText = h('p', { id: 'cohort-progress-text', class: 'muted', 'aria-live': 'polite' })
  const cancel = h('button', { type: 'button', class: 'button', id: 'cohort-cancel', hidden: true }, t('cohort.cancel'))
  const result = h('div', { id: 'cohort-result', tabindex: '-1' })
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('cohort.submit'))
  /** The job being followed; a new upload or leaving the page stops following it. */
  let following

  /** A refused file (400, 413…): the check's report per row, or the issues of the file. */
  function showRefusal(status, body) {
    const rows = Array.isArray(body.rows) ? body.rows : []
    replace(
      result,
      h('p', { class: 'notice error', role: 'alert' }, body.error_description ?? t('error.status', { status })),
      rows.length ? reportTable(rows, checkCells) : issueList(body.issues),
    )
    result.focus()
  }

  function showProgress(job) {
    const done = job.total - job.pending
    progress.max = job.total
    progress.value = done
    const text = t('cohort.awarding', { done, total: job.total, issued: job.issued, failed: job.failed })
    // Only a change is announced (the live region would repeat the same sentence every poll).
    if (progressText.textContent !== text) progressText.textContent = text
  }

  function showJob(job) {
    progress.hidden = true
    cancel.hidden = true
    progressText.textContent = t('cohort.done')
    const ok = job.state === 'succeeded'
    replace(
      result,
      h('p', { class: `notice ${ok ? 'ok' : 'error'}`, role: ok ? 'status' : 'alert' }, jobSummary(job)),
      reportTable(job.rows ?? [], jobCells),
    )
    result.focus()
  }

  /** Asks for the job's progress until it ends, then shows its report per row. */
  async function follow(id) {
    const me = Symbol('job')
    following = me
    cancel.hidden = false
    cancel.disabled = false
    cancel.onclick = async () => {
      cancel.disabled = true
      try {
        await api('POST', `/cohorts/${encodeURIComponent(id)}/cancel`)
      } catch (e) {
        // 409: it ended meanwhile; the next poll shows how.
        if (!(e instanceof ApiError && e.status === 409)) announce(errorText(e), 'error')
      }
    }
    try {
      for (;;) {
        if (following !== me || !result.isConnected) return
        const job = await api('GET', `/cohorts/${encodeURIComponent(id)}?rows=none`)
        if (FINAL.has(job.state)) break
        showProgress(job)
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
      if (following !== me) return
      showJob(await api('GET', `/cohorts/${encodeURIComponent(id)}`))
    } catch (e) {
      if (following !== me) return
      progress.hidden = true
      cancel.hidden = true
      replace(result, h('p', { class: 'notice error', role: 'alert' }, errorText(e)))
    } finally {
      if (following === me) following = undefined
    }
  }

  async function onSubmit(event) {
    event.preventDefault()
    const chosen = file.files?.[0]
    if (!chosen) return
    following = undefined
    submit.disabled = true
    cancel.hidden = true
    replace(result)
    progress.hidden = false
    progress.max = 1
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
      if (status !== 202) {
        progress.hidden = true
        progressText.textContent = t('cohort.done')
        showRefusal(status, body)
        return
      }
      // Checked and queued: the rows are awarded in the background (202 with the job).
      replace(
        result,
        h('p', { class: 'notice ok', role: 'status' }, t('cohort.queued', { pending: body.pending })),
        body.failed
          ? reportTable(
              body.rows.filter((r) => r.state === 'failed'),
              jobCells,
            )
          : null,
      )
      showProgress(body)
      submit.disabled = false
      await follow(body.id)
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
    h('div', { class: 'actions' }, cancel),
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
