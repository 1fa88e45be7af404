// Housekeeping of the store's own tables, for every tenant: single-use values past their expiry are
// deleted, offers and presentation requests nobody answered in time are marked expired. Each job is
// one statement, safe to run in several processes at once.
import type { Repositories } from './open-store.ts'

export interface MaintenanceReport {
  readonly purgedSingleUseValues: number
  readonly expiredOffers: number
  readonly expiredPresentationRequests: number
  readonly abandonedPresentationResponses: number
}

/** Runs every housekeeping job once. */
export async function runStoreMaintenance(store: Repositories, now: Date): Promise<MaintenanceReport> {
  return {
    purgedSingleUseValues: await store.singleUseValues.purgeExpired(now),
    expiredOffers: await store.offers.expireStale(now),
    expiredPresentationRequests: await store.presentationRequests.expireStale(now),
    // A response is checked in seconds; one still `responding` after ten minutes was abandoned.
    abandonedPresentationResponses: await store.presentationRequests.failAbandoned(now, 600),
  }
}

export interface StoreMaintenanceOptions {
  /** How often; default one minute. */
  readonly intervalMs?: number
  readonly now?: () => Date
  readonly onError?: (error: unknown) => void
}

/**
 * Runs {@link runStoreMaintenance} every `intervalMs` (the timer does not keep the process alive);
 * `stop` waits for a run in progress, so the store can be closed after it.
 */
export function startStoreMaintenance(
  store: Repositories,
  options: StoreMaintenanceOptions = {},
): { stop(): Promise<void> } {
  const now = options.now ?? (() => new Date())
  let running: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    running = running.then(() => runStoreMaintenance(store, now())).catch((e) => options.onError?.(e))
  }, options.intervalMs ?? 60_000)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
