/** Adds an ISO 8601 duration (`P1Y6M`, `PT60H`, `P2W`) to a date, in UTC calendar arithmetic. */
export function addIsoDuration(start: Date, duration: string): Date {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
    duration,
  )
  if (!match) throw new Error(`not an ISO 8601 duration: ${duration}`)
  const [, years, months, weeks, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0))
  const result = new Date(start.getTime())
  result.setUTCFullYear(result.getUTCFullYear() + years!, result.getUTCMonth() + months!)
  result.setUTCDate(result.getUTCDate() + weeks! * 7 + days!)
  return new Date(result.getTime() + ((hours! * 60 + minutes!) * 60 + seconds!) * 1000)
}

/** Hours of an ISO 8601 duration, for display ("PT60H" → 60); undefined for calendar units. */
export function durationHours(duration: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration)
  if (!match || duration === 'P' || duration === 'PT') return undefined
  return Number(match[1] ?? 0) * 24 + Number(match[2] ?? 0) + Number(match[3] ?? 0) / 60
}
