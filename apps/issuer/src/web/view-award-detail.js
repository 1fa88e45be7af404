// One award: the learner, the certificate page, the credential offer (QR code for another device,
// the link for this one, the learner's page, and the tx_code, shown once: the issuer keeps only
// its hash), earlier offers, and the credentials issued on it.
import { ApiError, api, errorText } from './api.js'
import { h } from './dom.js'
import { formatDate, language, t } from './i18n.js'
import { announce, go } from './ui.js'
import { credentialsTable } from './view-credentials.js'

/** Offers created in this tab, by award: the tx_code can be shown only until the page is left. */
const createdOffers = new Map()

export function rememberOffer(awardId, offer) {
  createdOffers.set(awardId, offer)
}

// Kept through re-renders of the award (a language switch), forgotten once the person leaves it.
window.addEventListener('hashchange', () => {
  for (const awardId of createdOffers.keys()) {
    if (location.hash !== `#/awards/${encodeURIComponent(awardId)}`) createdOffers.delete(awardId)
  }
})

let certificateUrl
async function certificateImage(awardId) {
  const image = h('img', {
    class: 'certificate',
    id: 'certificate-image',
    width: '842',
    height: '595',
    alt: t('detail.certificateAlt'),
  })
  try {
    const blob = await api('GET', `/awards/${encodeURIComponent(awardId)}/certificate.png?lang=${language()}`, {
      as: 'blob',
    })
    if (certificateUrl) URL.revokeObjectURL(certificateUrl)
    certificateUrl = URL.createObjectURL(blob)
    image.src = certificateUrl
    return image
  } catch (error) {
    return h('p', { class: 'notice error' }, errorText(error))
  }
}

function offerPanel(offer) {
  const learnerPage = `${offer.credentialOfferUrl}/page`
  return h(
    'section',
    { class: 'panel offer', 'aria-labelledby': 'offer-title', id: 'offer-panel' },
    h('h2', { id: 'offer-title' }, t('offer.title')),
    h(
      'div',
      { class: 'offer-grid' },
      h(
        'div',
        {},
        h('img', { class: 'qr', id: 'offer-qr', src: offer.qrSvg, width: '240', height: '240', alt: t('offer.qrAlt') }),
        h('p', { class: 'muted small' }, t('offer.qrHelp')),
      ),
      h(
        'div',
        {},
        offer.txCode
          ? h(
              'div',
              { class: 'tx-code' },
              h('p', { id: 'tx-code-label' }, t('offer.txCode')),
              h('output', { id: 'tx-code', 'aria-labelledby': 'tx-code-label' }, offer.txCode),
              h('p', { class: 'small' }, t('offer.txCodeHelp')),
            )
          : h('p', { class: 'notice' }, t('offer.noTxCode')),
        h(
          'p',
          {},
          h('a', { class: 'button', id: 'same-device-link', href: offer.sameDeviceLink }, t('offer.openInWallet')),
        ),
        h(
          'p',
          {},
          h(
            'a',
            { id: 'learner-page-link', href: learnerPage, target: '_blank', rel: 'noopener' },
            t('offer.learnerPage'),
          ),
        ),
        h('p', { class: 'muted small' }, t('offer.learnerPageHelp')),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'offer-uri' }, t('offer.uri')),
          h('input', {
            id: 'offer-uri',
            readOnly: true,
            value: offer.credentialOfferUri,
            class: 'code',
            onfocus: (e) => e.target.select(),
          }),
        ),
        h('p', { class: 'muted small' }, t('offer.expires', { when: formatDate(offer.expiresAt, true) })),
      ),
    ),
  )
}

function newOfferForm(awardId) {
  const txCode = h('input', { type: 'checkbox', id: 'new-offer-tx-code', checked: true })
  const error = h('p', { class: 'notice error', role: 'alert', hidden: true })
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('offer.create'))
  async function onSubmit(event) {
    event.preventDefault()
    submit.disabled = true
    try {
      const offer = await api('POST', `/awards/${encodeURIComponent(awardId)}/offers`, {
        json: { txCode: txCode.checked },
      })
      rememberOffer(awardId, offer)
      announce(t('offer.created'))
      go(location.hash, { keepStatus: true })
    } catch (e) {
      error.textContent = errorText(e)
      error.hidden = false
    } finally {
      submit.disabled = false
    }
  }
  return h(
    'form',
    { class: 'panel', onsubmit: onSubmit, 'aria-labelledby': 'new-offer-title' },
    h('h2', { id: 'new-offer-title' }, t('offer.newTitle')),
    h('p', { class: 'muted' }, t('offer.newHelp')),
    h('div', { class: 'check-field' }, txCode, h('label', { for: 'new-offer-tx-code' }, t('award.txCode'))),
    error,
    h('div', { class: 'actions' }, submit),
  )
}

export async function awardDetailView(awardId) {
  let award
  try {
    award = await api('GET', `/awards/${encodeURIComponent(awardId)}`)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      return h('section', {}, h('h1', {}, t('detail.notFound')), h('p', {}, errorText(error)))
    }
    throw error
  }
  const learner = award.award?.learner ?? {}
  const name = [learner.givenName, learner.familyName].filter(Boolean).join(' ')
  const offer = createdOffers.get(awardId)
  const approve =
    award.state === 'held'
      ? h(
          'button',
          {
            type: 'button',
            class: 'button',
            onclick: async () => {
              try {
                await api('POST', `/awards/${encodeURIComponent(awardId)}/approve`)
                announce(t('detail.approved'))
                go(location.hash, { keepStatus: true })
              } catch (error) {
                announce(errorText(error), 'error')
              }
            },
          },
          t('detail.approve'),
        )
      : null
  return h(
    'section',
    {},
    h('h1', {}, t('detail.title', { name })),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('detail.course')),
      h(
        'dd',
        {},
        h('a', { href: `#/courses/${award.specificationId}` }, award.specificationId),
        ` (${t('courses.version')} ${award.specificationVersion})`,
      ),
      h('dt', {}, t('detail.state')),
      h('dd', { id: 'award-state' }, t(`awardState.${award.state}`), ' ', approve),
      h('dt', {}, t('detail.created')),
      h('dd', {}, formatDate(award.createdAt, true)),
      h('dt', {}, t('detail.annex')),
      h('dd', {}, award.annexReport?.isMicroCredential ? t('detail.annexOk') : t('detail.annexMissing')),
    ),
    offer ? offerPanel(offer) : newOfferForm(awardId),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'certificate-title' },
      h('h2', { id: 'certificate-title' }, t('detail.certificate')),
      await certificateImage(awardId),
    ),
    award.offers.length
      ? h(
          'section',
          { class: 'panel', 'aria-labelledby': 'offers-title' },
          h('h2', { id: 'offers-title' }, t('detail.offers')),
          h(
            'table',
            { class: 'table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [t('detail.offerState'), t('detail.created'), t('detail.expires'), t('detail.txCodeRequired')].map(
                  (c) => h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              award.offers.map((o) =>
                h(
                  'tr',
                  {},
                  h(
                    'td',
                    {},
                    t(`offerState.${o.state}`),
                    // Why it is blocked: how many wrong codes, the last through which grant, when.
                    o.state === 'burnt' && o.burntVia
                      ? h(
                          'div',
                          { class: 'small muted', 'data-burnt-via': o.burntVia },
                          t('offer.burntBecause', {
                            attempts: o.txCodeAttempts,
                            via: t(`offer.burntVia.${o.burntVia}`),
                            when: formatDate(o.burntAt, true),
                          }),
                        )
                      : null,
                  ),
                  h('td', {}, formatDate(o.createdAt, true)),
                  h('td', {}, formatDate(o.expiresAt, true)),
                  h('td', {}, o.txCodeRequired ? t('yes') : t('no')),
                ),
              ),
            ),
          ),
        )
      : null,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'award-credentials-title' },
      h('h2', { id: 'award-credentials-title' }, t('detail.credentials')),
      award.credentials.length
        ? credentialsTable(award.credentials, () => go(location.hash, { keepStatus: true }))
        : h('p', { class: 'muted' }, t('detail.noCredentials')),
    ),
  )
}
