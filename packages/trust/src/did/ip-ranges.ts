import { BlockList, isIP } from 'node:net'

// Special-purpose address blocks a did:web host must not resolve to: RFC 6890 (IANA IPv4/IPv6
// Special-Purpose Address Registries), RFC 6598 (CGNAT), RFC 5771 / RFC 4291 §2.7 (multicast),
// RFC 4193 (unique local), RFC 4291 §2.5.6 (link-local).
const IPV4_BLOCKS: readonly (readonly [string, number, string])[] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignment'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes the broadcast address 255.255.255.255
]

const IPV6_BLOCKS: readonly (readonly [string, number, string])[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'NAT64 (local use)'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignment (incl. Teredo)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'private (unique local)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
]

function lists(blocks: readonly (readonly [string, number, string])[], type: 'ipv4' | 'ipv6') {
  return blocks.map(([network, prefix, label]) => {
    const list = new BlockList()
    list.addSubnet(network, prefix, type)
    return { list, label }
  })
}

const v4Lists = lists(IPV4_BLOCKS, 'ipv4')
const v6Lists = lists(IPV6_BLOCKS, 'ipv6')
const globalUnicast = new BlockList()
globalUnicast.addSubnet('2000::', 3, 'ipv6') // RFC 4291 §2.4: the only IPv6 block allocated for the Internet

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2). */
function mappedIpv4(ipv6: string): string | undefined {
  // The WHATWG serialiser gives one canonical form: `::ffff:7f00:1` for `::ffff:127.0.0.1`.
  const canonical = new URL(`http://[${ipv6}]/`).hostname.slice(1, -1)
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical)
  if (!m) return undefined
  const hi = Number.parseInt(m[1]!, 16)
  const lo = Number.parseInt(m[2]!, 16)
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.')
}

/**
 * Why an address must not be fetched from (`private`, `loopback`, `link-local`, …), or `undefined`
 * for a public unicast address. IPv4-mapped IPv6 addresses are judged by their IPv4 address.
 */
export function forbiddenAddressReason(address: string): string | undefined {
  const family = isIP(address)
  if (family === 4) return v4Lists.find(({ list }) => list.check(address, 'ipv4'))?.label
  if (family !== 6) return 'not an IP address'
  const ipv4 = mappedIpv4(address)
  if (ipv4 !== undefined) {
    const reason = forbiddenAddressReason(ipv4)
    return reason === undefined ? 'IPv4-mapped' : `IPv4-mapped ${reason}`
  }
  const label = v6Lists.find(({ list }) => list.check(address, 'ipv6'))?.label
  if (label) return label
  return globalUnicast.check(address, 'ipv6') ? undefined : 'reserved (not global unicast)'
}
