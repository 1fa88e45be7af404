import { describe, expect, it } from 'vitest'
import { retryDelaySeconds, webhookTargetProblem } from './webhooks.ts'

describe('webhook targets (security.md: no SSRF through URLs a relying party supplies)', () => {
  it('production: https to public addresses only', async () => {
    expect(await webhookTargetProblem('http://hooks.example.org/x', 'production')).toBe(
      'production webhooks must be https',
    )
    for (const internal of [
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://169.254.169.254/latest',
      'https://[::1]/x',
    ]) {
      expect(await webhookTargetProblem(internal, 'production'), internal).toMatch(/resolves to/)
    }
    expect(await webhookTargetProblem('https://localhost/x', 'production')).toMatch(/resolves to (127\.0\.0\.1|::1)/)
    expect(await webhookTargetProblem('https://user:pw@8.8.8.8/x', 'production')).toBe(
      'a URL with credentials is refused',
    )
    expect(await webhookTargetProblem('https://8.8.8.8/hook', 'production')).toBeUndefined()
  })

  it('development: loopback receivers are allowed, other schemes are not', async () => {
    expect(await webhookTargetProblem('http://127.0.0.1:9999/hook', 'development')).toBeUndefined()
    expect(await webhookTargetProblem('file:///etc/passwd', 'development')).toBe('not http(s)')
  })

  it('backs off exponentially, capped at an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(2, n))).toEqual([2, 4, 8, 16])
    expect(retryDelaySeconds(2, 30)).toBe(3600)
  })
})
