/** How coarsely issuance times are written into `iat` / `nbf`. */
export type TimeGranularity = 'hour' | 'day'

const MS: Record<TimeGranularity, number> = { hour: 3_600_000, day: 86_400_000 }

/**
 * Rounds an instant down to the start of its hour or UTC day. Issued credentials must not reveal the
 * exact issuance second where the format allows rounding (security.md, "Issuance"; RFC 9901 §10.1
 * on correlation by timestamps); rounding down keeps `nbf` ≤ the real issuance, so a credential is
 * never "not yet valid" right after it was issued.
 *
 * @example
 * ```ts
 * roundDownInstant(new Date('2026-07-20T10:42:17Z'), 'hour') // 2026-07-20T10:00:00Z
 * ```
 */
export function roundDownInstant(instant: Date, granularity: TimeGranularity): Date {
  const step = MS[granularity]
  return new Date(Math.floor(instant.getTime() / step) * step)
}

/** A JWT NumericDate (RFC 7519 §2): whole seconds since the epoch. */
export function numericDate(instant: Date): number {
  return Math.floor(instant.getTime() / 1000)
}
