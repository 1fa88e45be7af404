// Sign in: the tenant (institution) id and an admin API key, checked by one read call before
// they are kept, in this tab's sessionStorage only.
import { ApiError, api, errorText, session } from './api.js'
import { field, h } from './dom.js'
import { t } from './i18n.js'
import { announce, go } from './ui.js'

export function signInView() {
  const tenant = h('input', {
    name: 'tenant',
    autocomplete: 'organization',
    required: true,
    pattern: '[a-z0-9][a-z0-9\\-]*',
    spellcheck: 'false',
    value: session.tenant ?? '',
  })
  const key = h('input', { name: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' })
  const error = h('p', { class: 'notice error', role: 'alert', hidden: true })
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('signIn.submit'))

  async function onSubmit(event) {
    event.preventDefault()
    error.hidden = true
    submit.disabled = true
    try {
      // Any read proves the key, its tenant and the read scope.
      await api('GET', '/specifications', { key: key.value.trim(), tenant: tenant.value.trim() })
      session.signIn(tenant.value.trim(), key.value.trim())
      announce(t('signIn.done', { tenant: tenant.value.trim() }))
      go('#/courses', { keepStatus: true })
    } catch (e) {
      error.textContent =
        e instanceof ApiError && e.status === 404 ? t('signIn.unknownTenant', { tenant: tenant.value }) : errorText(e)
      error.hidden = false
      key.focus()
    } finally {
      submit.disabled = false
    }
  }

  return h(
    'section',
    { class: 'narrow' },
    h('h1', {}, t('signIn.title')),
    h('p', {}, t('signIn.intro')),
    h(
      'form',
      { onsubmit: onSubmit, class: 'panel' },
      field(t('signIn.tenant'), tenant, t('signIn.tenantHelp')),
      field(t('signIn.key'), key, t('signIn.keyHelp')),
      error,
      h('div', { class: 'actions' }, submit),
    ),
  )
}
