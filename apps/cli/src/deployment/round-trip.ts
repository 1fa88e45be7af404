// The whole round trip of issue 6's demo, against a running demo deployment, with the reference
// wallet (apps/wallet): award → offer → the wallet redeems it (OpenID4VCI) → a relying party asks
// for "a micro-credential from an active member of the alliance" → the wallet presents it
// (OpenID4VP, disclosing only what was asked) → the verified result with every check. Each step is
// printed so a person can follow it.
import { acceptCredentialOffer, answerPresentationRequest, CredentialStore, describeDisclosed } from '@alma/wallet'
import QRCode from 'qrcode'
import { awardAndOffer, type DemoDeployment, RELYING_PARTY } from './demo-deployment.ts'

export interface RoundTripResult {
  readonly verdict: string
  readonly seconds: number
}

interface Check {
  readonly id: string
  readonly status: string
  readonly reason: string
}

export async function runRoundTrip(
  deployment: DemoDeployment,
  print: (line: string) => void,
  options: { qr?: boolean } = {},
): Promise<RoundTripResult> {
  const started = performance.now()
  const step = (n: number, text: string) => print(`\n${n}. ${text}`)
  const issuerUrl = new URL(deployment.issuer.ctx.config.baseUrl).origin
  const verifierUrl = deployment.verifier.ctx.config.baseUrl

  step(1, 'the University of Adlerstadt (tenant uni-a) awards the example course to Ana Andromeda')
  const { award, offer } = await awardAndOffer(deployment, 'uni-a')
  print(`   award ${award.id}; credential offer by reference (OpenID4VCI 1.0 §4.1.3):`)
  print(`   ${offer.offerUri}`)
  print(`   transaction code, sent to the learner separately: ${offer.txCode}`)
  if (options.qr) print(await QRCode.toString(offer.offerUri, { type: 'terminal', small: true }))

  step(2, 'the reference wallet redeems the offer (pre-authorized code + tx_code, nonce, proof of its key)')
  const wallet = CredentialStore.inMemory()
  const accepted = await acceptCredentialOffer(offer.offerUri, {
    store: wallet,
    askTxCode: async () => String(offer.txCode),
    allowInsecureLoopback: true,
  })
  for (const credential of accepted.credentials) {
    print(`   received ${credential.format.padEnd(11)} ${credential.configurationId} from ${accepted.issuer}`)
  }

  step(3, 'Example Employer GmbH asks for a micro-credential from an active member of the alliance')
  const created = await api<{ id: string; clientId: string; authorizationRequestUri: string }>(
    deployment,
    'POST',
    '/presentation-requests',
    {
      template: {
        type: 'alliance-member',
        allianceDid: deployment.allianceDid,
        // The verifier fetches the alliance's signed registry through its SSRF guard.
        allianceRegistryUrl: deployment.allianceRegistryUrl,
      },
      formats: ['dc+sd-jwt'],
    },
  )
  print(`   request ${created.id}, signed under ${created.clientId}, answer by direct_post.jwt`)
  print(`   ${created.authorizationRequestUri}`)

  step(4, 'the wallet checks the signed request against the dev CA and presents, disclosing only what was asked')
  const answer = await answerPresentationRequest(created.authorizationRequestUri, {
    store: wallet,
    // The relying party's certificate comes from the deployment's dev CA, the verifier's anchor.
    trustAnchors: [...deployment.verifier.ctx.trustAnchors],
    allowInsecureLoopback: true,
  })
  print(`   verifier: ${answer.verifier.name ?? answer.verifier.clientId} (${answer.verifier.clientId})`)
  for (const presented of answer.presented) {
    print(`   presented ${presented.format}, disclosing ${describeDisclosed(presented.disclosed)}`)
  }

  step(5, 'the relying party reads the result')
  const { result } = await api<{
    result: { verdict: string; credentials: { steps: Check[]; claims?: Record<string, unknown> }[] }
  }>(deployment, 'GET', `/presentation-requests/${created.id}`)
  print(`   verdict: ${result.verdict.toUpperCase()}`)
  for (const credential of result.credentials) {
    for (const check of credential.steps) print(`   ${check.status.padEnd(7)} ${check.id.padEnd(16)} ${check.reason}`)
    const claims = credential.claims ?? {}
    const facts = ['achievement_title', 'issuing_authority', 'awarding_bodies']
      .filter((name) => claims[name] !== undefined)
      .map((name) => `${name}=${JSON.stringify(claims[name])}`)
    if (facts.length > 0) print(`   facts shown: ${facts.join(', ')}`)
  }
  const seconds = (performance.now() - started) / 1000
  print(`\nround trip done in ${seconds.toFixed(1)} s (issuer ${issuerUrl}, verifier ${verifierUrl})`)
  return { verdict: result.verdict, seconds }
}

async function api<T>(deployment: DemoDeployment, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${deployment.verifier.ctx.config.baseUrl}/api/${RELYING_PARTY}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${deployment.relyingPartyKey}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const json = (await response.json()) as Record<string, unknown> & { error_description?: string }
  if (!response.ok) throw new Error(`verifier API ${method} ${path}: ${response.status} ${json.error_description}`)
  return json as T
}
