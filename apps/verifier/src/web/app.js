// The verifier web app: sign in with a relying-party API key, ask a wallet for a credential from
// a template or a DCQL query (QR code and link), follow the request every second until the wallet
// answers, show the verdict, every check and the verified facts; or verify an uploaded EDC file.
// Talks only to the relying-party API (and /ui/api/…/facts for labelled facts).
import { ApiError, apiUrl, callApi, seg } from './api.js'
import { checkName, initialLanguage, translate } from './i18n.js'
import { annexITable, checksTable, credentialSetsList, el, errorText, factsList, verdictRibbon } from './render.js'

const LANG_KEY = 'alma.verifier.lang'
const SESSION_KEY = 'alma.verifier.session'
const POLL_MS = 1000
const FINISHED = ['succeeded', 'failed']
const KNOWN_STATES = ['created', 'retrieved', 'succeeded', 'failed', 'expired']
const UPLOAD_TYPES = ['application/json', 'application/ld+json']

/** A starting point for "My own DCQL query" (OpenID4VP 1.0 §6): an SD-JWT VC learning credential. */
const DCQL_EXAMPLE = {
  credentials: [
    {
      id: 'micro_credential',
      format: 'dc+sd-jwt',
      meta: { vct_values: ['urn:eu.europa.ec.eudi:learning:credential:1'] },
      claims: [
        { path: ['achievement_title'] },
        { path: ['level_of_learning_experience'], values: [6, 7, 8] },
        { path: ['ects_credits'] },
      ],
    },
  ],
}

const $ = (id) => document.getElementById(id)

/** Everything the page shows, so a language switch can draw it again. */
const state = {
  lang: 'en',
  /** @type {{ rp: string, key: string, note?: string } | null} */
  session: null,
  /** The open or finished presentation request. */
  request: null,
  /** The last uploaded file's verification. */
  upload: null,
}

const t = (key, vars) => translate(state.lang, key, vars)

function readStorage(storage, key) {
  try {
    return storage.getItem(key)
  } catch {
    return null
  }
}

function writeStorage(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key)
    else storage.setItem(key, value)
  } catch {
    // Storage may be off (private mode): the page still works for this visit.
  }
}

function showError(node, error) {
  if (!error) {
    node.hidden = true
    node.textContent = ''
    return
  }
  node.textContent = typeof error === 'string' ? error : errorText(state.lang, error)
  node.hidden = false
}

function formatTime(iso) {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return String(iso)
  return date.toLocaleString(state.lang === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' })
}

// ——— language ———————————————————————————————————————————————————————————————————————————

function applyStaticTexts() {
  document.documentElement.lang = state.lang
  document.title = t('app.title')
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n)
  for (const button of document.querySelectorAll('button.lang')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === state.lang))
  }
  $('session-qr').alt = t('session.qrAlt')
}

async function setLanguage(lang) {
  state.lang = lang
  writeStorage(localStorage, LANG_KEY, lang)
  applyStaticTexts()
  renderSignedIn()
  renderRequest()
  renderUpload()
  // Facts and the certificate carry texts of the credential: ask again in the new language.
  if (state.request?.status && FINISHED.includes(state.request.status.state)) await loadResultExtras(state.request)
}

// ——— sign in ————————————————————————————————————————————————————————————————————————————

function renderSignedIn() {
  const signedIn = state.session !== null
  $('signin').hidden = signedIn
  $('workspace').hidden = !signedIn
  if (signedIn) {
    $('signed-in-as').textContent = t('signin.as', { rp: state.session.rp })
    if (state.session.note)
      $('signed-in-as').append(el('span', { class: 'muted', text: ` — ${t(state.session.note)}` }))
  }
}

async function signIn(event) {
  event.preventDefault()
  const rp = $('signin-rp').value.trim()
  const key = $('signin-key').value.trim()
  const error = $('signin-error')
  showError(error, null)
  const button = event.submitter ?? $('signin-form').querySelector('button')
  button.disabled = true
  button.textContent = t('signin.busy')
  try {
    let note
    try {
      await callApi({ rp, key }, 'GET', `api/${seg(rp)}/presentation-requests?limit=1`)
    } catch (e) {
      // A key for EDC uploads only is still a key of this relying party.
      if (!(e instanceof ApiError && e.code === 'insufficient_scope')) throw e
      note = 'signin.readOnlyScope'
    }
    state.session = { rp, key, ...(note ? { note } : {}) }
    writeStorage(sessionStorage, SESSION_KEY, JSON.stringify(state.session))
    $('signin-key').value = ''
    renderSignedIn()
    $('template').focus()
  } catch (e) {
    showError(error, e)
    $('signin-key').focus()
  } finally {
    button.disabled = false
    button.textContent = t('signin.submit')
  }
}

function signOut(messageKey) {
  stopRequest()
  state.session = null
  state.request = null
  state.upload = null
  writeStorage(sessionStorage, SESSION_KEY, null)
  renderSignedIn()
  renderRequest()
  renderUpload()
  showError($('signin-error'), messageKey ? t(messageKey) : null)
  $('signin-rp').focus()
}

/** A 401 means the key is gone (revoked, or a new session elsewhere): back to the sign-in form. */
function signedOutBy(error) {
  if (error instanceof ApiError && error.status === 401) {
    signOut('error.signedOut')
    return true
  }
  return false
}

// ——— the request form ———————————————————————————————————————————————————————————————————

function selectTemplate() {
  const chosen = $('template').value
  for (const group of document.querySelectorAll('.params')) {
    const active = group.dataset.for === chosen
    group.hidden = !active
    // Hidden inputs must not block the form's own validation.
    for (const input of group.querySelectorAll('input, textarea')) input.disabled = !active
  }
  // A DCQL query names its own formats.
  $('formats').disabled = chosen === 'dcql'
  $('formats').hidden = chosen === 'dcql'
  if (chosen === 'dcql' && !$('dcql').value.trim()) $('dcql').value = JSON.stringify(DCQL_EXAMPLE, null, 2)
}

/** The body of POST /api/{rp}/presentation-requests; throws a worded Error for bad input. */
function requestBody() {
  const chosen = $('template').value
  if (chosen === 'dcql') {
    let query
    try {
      query = JSON.parse($('dcql').value)
    } catch (e) {
      throw new Error(t('request.dcqlNotJson', { message: e.message }))
    }
    if (!query || typeof query !== 'object' || Array.isArray(query)) throw new Error(t('request.dcqlNotObject'))
    return { dcqlQuery: query }
  }
  const formats = [...document.querySelectorAll('input[name="format"]:checked')].map((input) => input.value)
  if (formats.length === 0) throw new Error(t('request.noFormat'))
  const template = { type: chosen }
  if (chosen === 'eqf-ects') {
    template.minEqfLevel = Number($('min-eqf').value)
    template.minEcts = Number($('min-ects').value)
  } else if (chosen === 'alliance-member') {
    template.allianceDid = $('alliance-did').value.trim()
    template.allianceRegistryJwt = $('alliance-registry').value.trim()
  } else if (chosen === 'course') {
    template.courseId = $('course-id').value.trim()
  } else if (chosen === 'esco-skill') {
    template.escoSkill = $('esco-skill').value.trim()
  }
  return { template, formats }
}

async function createRequest(event) {
  event.preventDefault()
  const error = $('request-error')
  showError(error, null)
  let body
  try {
    body = requestBody()
  } catch (e) {
    showError(error, e.message)
    return
  }
  const button = $('request-submit')
  button.disabled = true
  button.textContent = t('request.busy')
  try {
    stopRequest()
    const created = await callApi(state.session, 'POST', `api/${seg(state.session.rp)}/presentation-requests`, {
      // statusMaxAgeSeconds 0: the status step fetches the issuer's list now (issue 12 §5).
      json: { ...body, label: 'verifier web app', ...($('fresh-status').checked ? { statusMaxAgeSeconds: 0 } : {}) },
    })
    state.request = {
      created,
      status: { state: created.state, expiresAt: created.expiresAt },
      controller: new AbortController(),
      timer: undefined,
      announced: undefined,
    }
    renderRequest()
    $('session').scrollIntoView({ block: 'start' })
    $('session-link').focus()
    poll(state.request)
  } catch (e) {
    if (!signedOutBy(e)) showError(error, e)
  } finally {
    button.disabled = false
    button.textContent = t('request.submit')
  }
}

function stopRequest() {
  const request = state.request
  if (!request) return
  request.controller.abort()
  clearTimeout(request.timer)
  if (request.certificateUrl) URL.revokeObjectURL(request.certificateUrl)
}

function newRequest() {
  stopRequest()
  state.request = null
  renderRequest()
  $('template').focus()
}

// ——— following the request ——————————————————————————————————————————————————————————————

async function poll(request) {
  if (request !== state.request || request.controller.signal.aborted) return
  try {
    const status = await callApi(
      state.session,
      'GET',
      `api/${seg(state.session.rp)}/presentation-requests/${seg(request.created.id)}`,
      { signal: request.controller.signal },
    )
    if (request !== state.request) return
    request.status = status
    request.pollError = undefined
    if (FINISHED.includes(status.state)) {
      renderRequest()
      await loadResultExtras(request)
      return
    }
    renderRequest()
    if (status.state === 'expired') return
  } catch (e) {
    if (e?.name === 'AbortError' || request !== state.request) return
    if (signedOutBy(e)) return
    request.pollError = e
    renderRequest()
  }
  request.timer = setTimeout(() => poll(request), POLL_MS)
}

/** The labelled facts and, for a presented jwt_vc_json, its certificate image. */
async function loadResultExtras(request) {
  const base = `api/${seg(state.session.rp)}/presentation-requests/${seg(request.created.id)}`
  const lang = state.lang
  try {
    request.facts = await callApi(state.session, 'GET', `ui/${base}/facts?lang=${lang}`, {
      signal: request.controller.signal,
    })
    request.factsError = undefined
  } catch (e) {
    if (e?.name === 'AbortError') return
    request.facts = undefined
    request.factsError = e
  }
  if (request.facts?.credentials.some((c) => c.certificate)) {
    try {
      const blob = await callApi(state.session, 'GET', `${base}/certificate.svg?lang=${lang}`, {
        accept: 'blob',
        signal: request.controller.signal,
      })
      if (request.certificateUrl) URL.revokeObjectURL(request.certificateUrl)
      // The SVG is shown through <img>: scripts and external loads inside it never run.
      request.certificateUrl = URL.createObjectURL(new Blob([blob], { type: 'image/svg+xml' }))
      request.certificateError = undefined
    } catch (e) {
      if (e?.name === 'AbortError') return
      request.certificateError = e
    }
  }
  if (request === state.request) renderRequest()
}

/** The QR code is served by this verifier; shown from this page's origin whatever the configured base URL. */
function sameOriginUrl(url) {
  const parsed = new URL(url, apiUrl(''))
  return parsed.origin === location.origin ? parsed.href : new URL(parsed.pathname, location.origin).href
}

function statusText(request) {
  const status = request.status
  if (request.pollError) return t('state.pollError', { message: errorText(state.lang, request.pollError) })
  const verdict = status.result?.verdict ? t(`verdict.${status.result.verdict}`) : ''
  return KNOWN_STATES.includes(status.state) ? t(`state.${status.state}`, { verdict }) : String(status.state)
}

function renderRequest() {
  const request = state.request
  $('session').hidden = !request
  $('request').hidden = Boolean(request)
  const result = $('result')
  if (!request) {
    result.replaceChildren()
    result.hidden = true
    $('session-status').textContent = ''
    return
  }
  const { created, status } = request
  const open = status.state === 'created' || status.state === 'retrieved'
  $('session-open').hidden = !open
  if (open) {
    const qr = sameOriginUrl(created.qrSvg)
    if ($('session-qr').src !== qr) $('session-qr').src = qr
    // Set once, so a poll does not undo the user's selection in the field.
    if ($('session-link').value !== created.authorizationRequestUri) {
      $('session-link').value = created.authorizationRequestUri
    }
    $('session-wallet').href = created.authorizationRequestUri
    $('session-expires').textContent = t('session.expires', { time: formatTime(created.expiresAt) })
    $('session-notes').replaceChildren(...(status.notes ?? []).map((note) => el('li', { text: note })))
  }
  // The live region speaks only when the words change, not on every poll.
  const text = statusText(request)
  if ($('session-status').textContent !== text) $('session-status').textContent = text
  $('session-status').dataset.state = status.state
  if (FINISHED.includes(status.state) && status.result) {
    result.replaceChildren(...resultView(request))
    result.hidden = false
  } else if (FINISHED.includes(status.state) && status.resultWithheld) {
    result.replaceChildren(el('p', { text: status.resultWithheld }))
    result.hidden = false
  } else {
    result.replaceChildren()
    result.hidden = true
  }
}

/** The first failing check of any credential, as "check: reason". */
function firstFailure(result) {
  for (const credential of result.credentials ?? []) {
    const step = credential.steps?.find((s) => s.status === 'ERROR')
    if (step) return `${checkName(state.lang, step.id)}: ${step.reason}`
  }
  return undefined
}

function resultView(request) {
  const result = request.status.result
  const nodes = [
    el('h3', { id: 'result-title', text: t('result.title') }),
    verdictRibbon(state.lang, result.verdict, 'result-ribbon'),
  ]
  const reason = result.reason ?? (result.verdict === 'verified' ? undefined : firstFailure(result))
  if (reason) nodes.push(el('p', { class: 'result-reason', id: 'result-reason', text: reason }))
  if (result.walletError) {
    const { error, description } = result.walletError
    nodes.push(el('p', { text: t('result.walletError', { error: description ? `${error}: ${description}` : error }) }))
  }
  if (result.credentialSets?.length) {
    nodes.push(el('h4', { text: t('result.credentialSets') }), credentialSetsList(state.lang, result.credentialSets))
  }
  if (!result.credentials?.length) nodes.push(el('p', { text: t('result.noCredentials') }))
  if (request.factsError) {
    nodes.push(
      el('p', { class: 'error', text: t('result.factsError', { message: errorText(state.lang, request.factsError) }) }),
    )
  }
  result.credentials?.forEach((credential, index) => {
    nodes.push(credentialView(request, credential, index))
  })
  return nodes
}

function credentialView(request, credential, index) {
  const facts = request.facts?.credentials?.[index]
  const formatName = credential.format ? t(`format.${credential.format}`) : ''
  const article = el(
    'article',
    { class: 'credential', 'data-query': credential.queryId, 'data-verdict': credential.verdict },
    el('h4', { text: `${t('result.credential', { n: index + 1 })}${formatName ? ` — ${formatName}` : ''}` }),
    verdictRibbon(state.lang, credential.verdict, 'ribbon--small'),
  )
  const about = el('dl', { class: 'about' })
  about.append(el('dt', { text: t('result.queryId') }), el('dd', { class: 'code', text: credential.queryId }))
  if (credential.issuer) {
    about.append(el('dt', { text: t('result.issuer') }), el('dd', { class: 'code', text: credential.issuer }))
  }
  article.append(about)

  if (facts?.certificate && request.certificateUrl) {
    article.append(
      el(
        'figure',
        { class: 'certificate' },
        el('img', { src: request.certificateUrl, alt: t('result.certificateAlt'), id: 'certificate' }),
        el('figcaption', { text: t('result.certificate') }),
      ),
    )
  } else if (facts?.certificate && request.certificateError) {
    article.append(
      el('p', {
        class: 'error',
        text: t('result.certificateError', { message: errorText(state.lang, request.certificateError) }),
      }),
    )
  }

  if (facts) {
    const section = el('section', { class: 'facts-section' }, el('h5', { text: t('result.facts') }))
    if (facts.withheld) section.append(el('p', { class: 'muted', text: t(`result.withheld.${facts.withheld}`) }))
    else if (!facts.facts?.length) section.append(el('p', { class: 'muted', text: t('result.noFacts') }))
    else section.append(factsList(state.lang, facts.facts))
    article.append(section)
  }

  article.append(checksTable(state.lang, credential.steps ?? [], t('result.checks')))
  if (credential.annexI) article.append(annexITable(state.lang, credential.annexI))
  return article
}

async function copyLink() {
  const link = $('session-link')
  try {
    await navigator.clipboard.writeText(link.value)
    $('session-status').textContent = t('session.copied')
  } catch {
    link.focus()
    link.select()
    $('session-status').textContent = t('session.copyFailed')
  }
}

// ——— EDC upload —————————————————————————————————————————————————————————————————————————

async function uploadFile(event) {
  event.preventDefault()
  const error = $('upload-error')
  showError(error, null)
  const file = $('upload-file').files?.[0]
  if (!file) {
    showError(error, t('upload.noFile'))
    $('upload-file').focus()
    return
  }
  const button = $('upload-submit')
  button.disabled = true
  $('upload-status').textContent = t('upload.busy')
  try {
    const response = await callApi(state.session, 'POST', `api/${seg(state.session.rp)}/edc-verifications`, {
      body: file,
      // The seal covers the exact bytes (RFC 7797): the file goes as it is.
      contentType: UPLOAD_TYPES.includes(file.type) ? file.type : 'application/octet-stream',
    })
    state.upload = { name: file.name, response }
    renderUpload()
    $('upload-status').textContent = `${file.name}: ${t(`verdict.${response.verdict}`)}`
  } catch (e) {
    $('upload-status').textContent = ''
    if (!signedOutBy(e)) showError(error, e)
  } finally {
    button.disabled = false
  }
}

function renderUpload() {
  const container = $('upload-result')
  if (!state.upload) {
    container.replaceChildren()
    container.hidden = true
    return
  }
  const { name, response } = state.upload
  const nodes = [el('h3', { text: name }), verdictRibbon(state.lang, response.verdict, 'upload-ribbon')]
  const failure = response.checks?.find((c) => c.status === 'ERROR')
  if (failure)
    nodes.push(el('p', { class: 'result-reason', text: `${checkName(state.lang, failure.id)}: ${failure.reason}` }))
  if (!response.sealed) nodes.push(el('p', { text: t('upload.notSealed') }))
  else if (response.seal?.certificate) {
    nodes.push(
      el('p', {
        text: t('upload.sealBy', {
          subject: response.seal.certificate.subject,
          issuer: response.seal.certificate.issuer,
        }),
      }),
    )
    if (response.seal.validatedAt) {
      nodes.push(
        el('p', {
          class: 'muted',
          text: t('upload.validatedAt', {
            time: formatTime(response.seal.validatedAt),
            source: response.seal.validatedAtSource ?? '',
          }),
        }),
      )
    }
  }
  if (response.format) {
    const outcome = response.format.conforms
      ? t('upload.conforms')
      : t('upload.violations', { count: response.format.violations?.length ?? 0 })
    nodes.push(el('p', { text: t('upload.format', { profile: response.format.profile, outcome }) }))
  }
  nodes.push(checksTable(state.lang, response.checks ?? [], t('result.checks')))
  if (response.annexI) nodes.push(annexITable(state.lang, response.annexI))
  container.replaceChildren(...nodes)
  container.hidden = false
}

// ——— start ——————————————————————————————————————————————————————————————————————————————

function restoreSession() {
  try {
    const saved = JSON.parse(readStorage(sessionStorage, SESSION_KEY) ?? 'null')
    if (saved && typeof saved.rp === 'string' && typeof saved.key === 'string') return saved
  } catch {
    // A damaged entry: sign in again.
  }
  return null
}

function start() {
  state.lang = initialLanguage(readStorage(localStorage, LANG_KEY), navigator.languages)
  state.session = restoreSession()
  for (const button of document.querySelectorAll('button.lang')) {
    button.addEventListener('click', () => setLanguage(button.dataset.lang))
  }
  $('signin-form').addEventListener('submit', signIn)
  $('signout').addEventListener('click', () => signOut())
  $('template').addEventListener('change', selectTemplate)
  $('request-form').addEventListener('submit', createRequest)
  $('session-copy').addEventListener('click', copyLink)
  $('session-new').addEventListener('click', newRequest)
  $('upload-form').addEventListener('submit', uploadFile)
  applyStaticTexts()
  selectTemplate()
  renderSignedIn()
  renderRequest()
  renderUpload()
  document.body.dataset.ready = 'true'
}

start()
