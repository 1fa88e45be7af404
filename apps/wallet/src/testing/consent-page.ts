// Test-only helper: plays the learner's browser on Alma's consent page (the issuer's
// `GET /T/authorize` form): opens the page and posts the decision, returning the redirect the
// wallet receives. Used by the end-to-end tests; never by the wallet itself.

/** Opens `authorizationUrl`, approves (or declines) on the consent page, returns the redirect URL. */
export async function answerConsentPage(authorizationUrl: string, decision: 'approve' | 'deny'): Promise<string> {
  const page = await fetch(authorizationUrl)
  if (page.status !== 200) throw new Error(`the consent page answered ${page.status}`)
  const html = await page.text()
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]
  if (!action) throw new Error('the consent page has no form')
  const hidden = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  )
  const answer = await fetch(new URL(action.replaceAll('&#38;', '&'), authorizationUrl), {
    method: 'POST',
    body: new URLSearchParams({ ...hidden, decision }),
    redirect: 'manual',
  })
  const location = answer.headers.get('location')
  if (answer.status !== 303 || !location) throw new Error(`the consent form answered ${answer.status}`)
  return location
}
