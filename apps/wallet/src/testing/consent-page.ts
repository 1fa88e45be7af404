// Test-only helper: plays the learner's browser on Alma's authorization page (the issuer's
// `GET /T/authorize`): types the transaction code when the page asks for it (the learner's proof,
// the same code the pre-authorized grant asks for), then posts the decision, returning the
// redirect the wallet receives. Used by the end-to-end tests; never by the wallet itself.

interface PageForm {
  readonly action: string
  readonly id: string
  readonly hidden: Record<string, string>
  readonly fields: readonly string[]
}

function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
}

function formsOf(html: string): PageForm[] {
  return [...html.matchAll(/<form method="post" action="([^"]+)" id="([^"]+)">([\s\S]*?)<\/form>/g)].map((m) => ({
    action: unescapeHtml(m[1]!),
    id: m[2]!,
    hidden: Object.fromEntries(
      [...m[3]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((h) => [
        unescapeHtml(h[1]!),
        unescapeHtml(h[2]!),
      ]),
    ),
    fields: [...m[3]!.matchAll(/<input id="[^"]+" name="([^"]+)"/g)].map((f) => f[1]!),
  }))
}

async function post(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' })
}

/**
 * Opens `authorizationUrl`; where the page asks for the transaction code, enters `txCode`;
 * approves (or declines) on the consent page; returns the redirect URL.
 */
export async function answerConsentPage(
  authorizationUrl: string,
  decision: 'approve' | 'deny',
  options: { readonly txCode?: string } = {},
): Promise<string> {
  const page = await fetch(authorizationUrl)
  if (page.status !== 200) throw new Error(`the authorization page answered ${page.status}`)
  let html = await page.text()
  const authenticate = formsOf(html).find((f) => f.id === 'authenticate-form')
  if (authenticate) {
    if (decision === 'deny') {
      const cancel = formsOf(html).find((f) => f.id === 'cancel-form')
      if (!cancel) throw new Error('the authorization page has no cancel form')
      return locationOf(await post(new URL(cancel.action, authorizationUrl).href, { ...cancel.hidden, decision }))
    }
    if (options.txCode === undefined) throw new Error('the authorization page asks for a transaction code')
    const field = authenticate.fields[0]
    if (!field) throw new Error('the authentication form has no field')
    const answer = await post(new URL(authenticate.action, authorizationUrl).href, {
      ...authenticate.hidden,
      [field]: options.txCode,
    })
    if (answer.status === 303) return locationOf(answer)
    if (answer.status !== 200) throw new Error(`the authentication form answered ${answer.status}`)
    html = await answer.text()
  }
  const form = formsOf(html).find((f) => f.id === 'decision-form')
  if (!form) throw new Error('the consent page has no decision form')
  return locationOf(await post(new URL(form.action, authorizationUrl).href, { ...form.hidden, decision }))
}

function locationOf(answer: Response): string {
  const location = answer.headers.get('location')
  if (answer.status !== 303 || !location) throw new Error(`the form answered ${answer.status}`)
  return location
}
