/**
 * Whether a service's own base URL is plain http on a loopback host: allowed in development only
 * (protocols.md, "Interop traps"), where the @openid4vc libraries' insecure-URL switch is turned on
 * for it. Shared by the issuer and the verifier.
 */
export function isLoopbackHttp(baseUrl: string): boolean {
  const url = new URL(baseUrl)
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
}
