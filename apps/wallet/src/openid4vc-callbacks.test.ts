import { describe, expect, it } from 'vitest'
import { guardedFetch } from './openid4vc-callbacks.ts'

describe('the fetch guard (protocols.md, "Interop traps")', () => {
  const reached: string[] = []
  const fake = (async (input: string | URL | Request) => {
    reached.push(String(input))
    return new Response('ok')
  }) as typeof fetch

  it('passes https, refuses http unless opted in, and then only to loopback', async () => {
    const strict = guardedFetch({ fetch: fake })
    await expect(strict('https://issuer.example/x')).resolves.toBeInstanceOf(Response)
    await expect(strict('http://127.0.0.1:8080/x')).rejects.toMatchObject({ code: 'insecure_url' })

    const loopback = guardedFetch({ fetch: fake, allowInsecureLoopback: true })
    for (const url of ['http://127.0.0.1:1/a', 'http://localhost:2/b', 'http://[::1]:3/c']) {
      await expect(loopback(url)).resolves.toBeInstanceOf(Response)
    }
    for (const url of [
      'http://issuer.example/x',
      'http://10.0.0.1/x',
      'http://127.0.0.1.nip.io/x',
      'ftp://127.0.0.1/x',
    ]) {
      await expect(loopback(url)).rejects.toMatchObject({ code: 'insecure_url' })
    }
    expect(reached).toEqual([
      'https://issuer.example/x',
      'http://127.0.0.1:1/a',
      'http://localhost:2/b',
      'http://[::1]:3/c',
    ])
  })
})
