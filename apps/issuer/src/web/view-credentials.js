// Issued credentials (records: the credentials are with the learners) with their status, and
// revoke / suspend / unsuspend, each asking for a reason that goes to the audit log.
import { api, errorText } from './api.js'
import { field, h, replace } from './dom.js'
import { formatDate, t } from './i18n.js'
import { announce, go } from './ui.js'

/**
 * Asks for a reason in a modal dialog (the browser's <dialog>: focus moves in, Escape cancels,
 * focus returns to the button), then changes the status. `done()` after a change.
 */
function changeStatus(credential, action, opener, done) {
  const reason = h('textarea', { name: 'reason', rows: '3', required: true, maxlength: '500' })
  const error = h('p', { class: 'notice error', role: 'alert', hidden: true })
  const confirm = h(
    'button',
    { type: 'submit', class: `button ${action === 'revoke' ? 'danger' : 'primary'}` },
    t(`credentials.confirm.${action}`),
  )
  const dialog = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': 'status-dialog-title', id: 'status-dialog' },
    h(
      'form',
      {
        // Our own message in the page's language rather than the browser's bubble.
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault()
          if (!reason.value.trim()) {
            error.textContent = t('credentials.reasonRequired')
            error.hidden = false
            reason.focus()
            return
          }
          confirm.disabled = true
          try {
            const result = await api('POST', `/credentials/${encodeURIComponent(credential.id)}/${action}`, {
              json: { reason: reason.value.trim() },
            })
            dialog.close()
            announce(
              t(result.changed ? `credentials.done.${action}` : 'credentials.unchanged', {
                state: t(`credentialState.${result.state}`),
              }),
            )
            done()
          } catch (e) {
            error.textContent = errorText(e)
            error.hidden = false
          } finally {
            confirm.disabled = false
          }
        },
      },
      h('h2', { id: 'status-dialog-title' }, t(`credentials.dialog.${action}`)),
      h('p', { class: 'small code-wrap' }, credential.id),
      action === 'revoke' ? h('p', { class: 'notice' }, t('credentials.revokeFinal')) : null,
      field(t('credentials.reason'), reason, t('credentials.reasonHelp')),
      error,
      h(
        'div',
        { class: 'actions' },
        confirm,
        h('button', { type: 'button', class: 'button quiet', onclick: () => dialog.close() }, t('cancel')),
      ),
    ),
  )
  dialog.addEventListener('close', () => {
    dialog.remove()
    if (opener.isConnected) opener.focus()
  })
  document.body.append(dialog)
  dialog.showModal()
  reason.focus()
}

/** Which actions a credential allows: suspension needs a Token Status List (dc+sd-jwt). */
function actionsOf(credential) {
  if (credential.state === 'revoked') return []
  if (credential.state === 'suspended') return ['unsuspend', 'revoke']
  return credential.format === 'dc+sd-jwt' ? ['revoke', 'suspend'] : ['revoke']
}

export function credentialsTable(items, onChanged) {
  return h(
    'table',
    { class: 'table', id: 'credentials-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [
          t('credentials.id'),
          t('credentials.format'),
          t('credentials.award'),
          t('credentials.issued'),
          t('credentials.status'),
          t('actions'),
        ].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      items.map((c) =>
        h(
          'tr',
          { 'data-credential': c.id },
          h('th', { scope: 'row', class: 'code-wrap small' }, c.id),
          h('td', {}, c.format),
          h('td', {}, h('a', { href: `#/awards/${encodeURIComponent(c.awardId)}` }, t('credentials.openAward'))),
          h('td', {}, formatDate(c.issuedAt, true)),
          h('td', {}, h('span', { class: `state ${c.state}`, 'data-state': c.state }, t(`credentialState.${c.state}`))),
          h(
            'td',
            {},
            h(
              'div',
              { class: 'row-actions' },
              actionsOf(c).map((action) => {
                const button = h(
                  'button',
                  {
                    type: 'button',
                    class: `button small ${action === 'revoke' ? 'danger' : ''}`,
                    'aria-label': t(`credentials.action.${action}Named`, {
                      format: c.format,
                      issued: formatDate(c.issuedAt, true),
                    }),
                    'data-action': action,
                  },
                  t(`credentials.action.${action}`),
                )
                button.addEventListener('click', () => changeStatus(c, action, button, onChanged))
                return button
              }),
            ),
          ),
        ),
      ),
    ),
  )
}

const PAGE = 50

export async function credentialsView() {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '')
  const state = params.get('state') ?? ''
  const query = new URLSearchParams({ limit: String(PAGE) })
  if (state) query.set('state', state)
  const page = await api('GET', `/credentials?${query}`)
  const filter = h(
    'select',
    { name: 'state' },
    ['', 'valid', 'suspended', 'revoked'].map((s) =>
      h('option', { value: s, selected: s === state }, s ? t(`credentialState.${s}`) : t('credentials.all')),
    ),
  )
  const list = h('div', {})
  let items = page.items
  let total = page.total
  function draw() {
    replace(
      list,
      items.length
        ? credentialsTable(items, () => go(location.hash, { keepStatus: true }))
        : h('p', {}, t('credentials.none')),
      h('p', { class: 'muted small' }, t('credentials.count', { shown: items.length, total })),
      items.length < total
        ? h(
            'button',
            {
              type: 'button',
              class: 'button',
              onclick: async () => {
                query.set('offset', String(items.length))
                try {
                  const more = await api('GET', `/credentials?${query}`)
                  items = items.concat(more.items)
                  total = more.total
                  draw()
                } catch (error) {
                  announce(errorText(error), 'error')
                }
              },
            },
            t('credentials.more'),
          )
        : null,
    )
  }
  draw()
  return h(
    'section',
    {},
    h('h1', {}, t('credentials.title')),
    h(
      'form',
      {
        class: 'filters',
        onsubmit: (event) => {
          event.preventDefault()
          go(filter.value ? `#/credentials?state=${filter.value}` : '#/credentials')
        },
      },
      field(t('credentials.filter'), filter),
      h('button', { type: 'submit', class: 'button' }, t('credentials.apply')),
    ),
    list,
  )
}
