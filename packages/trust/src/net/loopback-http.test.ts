import { describe, expect, it } from 'vitest'
import { isLoopbackHttp } from './loopback-http.ts'

describe('isLoopbackHttp', () => {
  it('is true for plain http on a loopback host only', () => {
    for (const url of ['http://127.0.0.1:8480', 'http://localhost/x', 'http://[::1]:1'])
      expect(isLoopbackHttp(url)).toBe(true)
    for (const url of ['https://127.0.0.1', 'http://issuer.example', 'http://127.0.0.2', 'http://localhost.example'])
      expect(isLoopbackHttp(url)).toBe(false)
  })
})
