// A small pool of worker threads for ELM's heavy work — SHACL validation, EDC building, certificate
// rendering — so that no request holds the event loop for long (issue 12 §3: a 4 KB upload held
// SHACL on the request thread for 17 s and `/health` waited with it). Every task has a deadline:
// past it the thread is terminated (JavaScript cannot be interrupted otherwise) and replaced, and
// the caller gets `worker_deadline_exceeded`. A bounded queue refuses the rest with `worker_busy`
// and a time to retry after. Framework-free: the apps map these codes to their HTTP answers.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { CertificatePages, EdcDocument } from '../build/build-edc.ts'
import { ElmError, type ElmErrorCode, type ElmIssue } from '../errors.ts'
import type { PreparedBuildInputs } from '../input/index.ts'
import type { AnnexIReport } from '../report/annex-i-report.ts'
import type { EdcShaclProfile, ShaclReport } from '../shacl/validate-edc-shacl.ts'
import type { CourseInputs, ElmTask, ElmTaskResults } from './elm-tasks.ts'

export interface ElmWorkersOptions {
  /**
   * Threads, started when work arrives. Default 2 on a machine of 2 or more cores, so one slow
   * task (up to its deadline) leaves another thread for everyone else; 1 on a single core.
   */
  readonly size?: number
  /** Tasks that may wait for a thread; beyond them a task is refused with `worker_busy`. Default 32. */
  readonly maxQueued?: number
  /** Default deadline of a task, in milliseconds, counted from when a thread takes it. Default 15,000. */
  readonly deadlineMs?: number
  /** Heap limit of each thread (MB): a task that needs more ends its thread, not the process. Default 512. */
  readonly maxHeapMb?: number
}

export interface ElmTaskOptions {
  /** This task's deadline in milliseconds (default the pool's). */
  readonly deadlineMs?: number
}

export interface BuildEdcOffThreadOptions extends ElmTaskOptions {
  /** The issuing instant (`buildEdc`'s `now`). */
  readonly now?: Date
  readonly primaryLanguage?: string
  /** Pages already rendered, per language; otherwise rendered on the worker. */
  readonly pages?: CertificatePages
}

export interface RenderPagesOptions extends ElmTaskOptions {
  /** Languages to render (tags); default every display language of the document. */
  readonly languages?: readonly string[]
  readonly scale?: number
}

export interface ElmWorkersStats {
  /** Threads started and not ended. */
  readonly threads: number
  /** Tasks a thread has taken (including one waiting for its thread to start). */
  readonly running: number
  /** Tasks waiting for a thread. */
  readonly queued: number
}

/** The pool's answers that are not the input's fault, with when to retry for `worker_busy`. */
export class ElmWorkerError extends ElmError {
  /** For `worker_busy`: seconds after which a retry may find room (`Retry-After`). */
  readonly retryAfterSeconds?: number
  /** For `worker_deadline_exceeded`: the deadline that passed. */
  readonly deadlineMs?: number

  constructor(
    code: Extract<ElmErrorCode, `worker_${string}`>,
    message: string,
    details: { retryAfterSeconds?: number; deadlineMs?: number; cause?: unknown } = {},
  ) {
    super(code, message, [], details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'ElmWorkerError'
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds
    if (details.deadlineMs !== undefined) this.deadlineMs = details.deadlineMs
  }
}

/**
 * ELM's heavy functions, each on a worker thread with a deadline. Results and errors are those of
 * the functions themselves (`ElmError` naming the input's problem), plus the pool's own
 * {@link ElmWorkerError}s: `worker_deadline_exceeded`, `worker_busy`, `worker_closed`, `worker_failed`.
 */
export interface ElmWorkers {
  /** `validateEdcShacl` of `@alma/elm/shacl` (limits, schema triples dropped, an EDC node required). */
  validateShacl(document: unknown, options?: ElmTaskOptions & { profile?: EdcShaclProfile }): Promise<ShaclReport>
  /** `buildEdc(course, award, options)`: the EDC document of one award, pages rendered unless given. */
  buildEdc(
    course: PreparedBuildInputs | CourseInputs,
    award: unknown,
    options?: BuildEdcOffThreadOptions,
  ): Promise<EdcDocument>
  /** The Annex I report of the EDC `buildEdc` would build; no page is rendered for it (the report reads none). */
  annexIReportOfAward(
    course: PreparedBuildInputs | CourseInputs,
    award: unknown,
    options?: BuildEdcOffThreadOptions,
  ): Promise<AnnexIReport>
  /** One PNG page per language of an EDC document (any form `parseEdc` reads). */
  renderCertificatePages(edc: unknown, options?: RenderPagesOptions): Promise<Record<string, Uint8Array>>
  stats(): ElmWorkersStats
  /** Ends every thread; waiting and running tasks are refused with `worker_closed`, and so is any later one. */
  close(): Promise<void>
}

interface Job {
  readonly task: ElmTask
  readonly deadlineMs: number
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

interface Thread {
  readonly worker: Worker
  ready: boolean
  job?: { readonly id: number; readonly job: Job; timer?: NodeJS.Timeout; startedAt?: number }
  ended: boolean
}

interface DescribedError {
  readonly name: string
  readonly code?: ElmErrorCode
  readonly message: string
  readonly issues?: readonly ElmIssue[]
}

const THREAD_URL = new URL('./elm-worker-thread.mjs', import.meta.url)

function courseInputs(course: PreparedBuildInputs | CourseInputs): CourseInputs {
  // The brand of prepared inputs does not cross threads; the worker validates them again (and
  // keeps the result for the next award of the same course).
  return { specification: course.specification, organisations: course.organisations }
}

function rebuildError(described: DescribedError): ElmError {
  if (described.name === 'ElmError' && described.code) {
    return new ElmError(described.code, described.message, described.issues ?? [])
  }
  return new ElmWorkerError('worker_failed', `the ELM worker failed: ${described.message}`)
}

/**
 * Starts nothing until the first task: threads start on demand, up to `size`, and an idle thread
 * does not keep the process alive.
 *
 * @example
 * ```ts
 * const elmWorkers = createElmWorkers()
 * const report = await elmWorkers.validateShacl(document, { deadlineMs: 10_000 })
 * await elmWorkers.close() // on shutdown
 * ```
 */
export function createElmWorkers(options: ElmWorkersOptions = {}): ElmWorkers {
  const size = Math.max(1, options.size ?? Math.min(2, availableParallelism()))
  const maxQueued = Math.max(0, options.maxQueued ?? 32)
  const defaultDeadline = options.deadlineMs ?? 15_000
  const maxHeapMb = options.maxHeapMb ?? 512
  const threads = new Set<Thread>()
  const queue: Job[] = []
  let nextId = 1
  let closed = false
  // Recent task durations (exponentially weighted) for Retry-After.
  let averageMs = 500

  function startThread(): Thread {
    const worker = new Worker(THREAD_URL, { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } })
    const thread: Thread = { worker, ready: false, ended: false }
    threads.add(thread)
    worker.on('message', (message: { ready?: true; id?: number; result?: unknown; error?: DescribedError }) => {
      if (message.ready) {
        thread.ready = true
        begin(thread)
        return
      }
      const running = thread.job
      if (!running || running.id !== message.id) return
      clearTimeout(running.timer)
      thread.job = undefined
      if (running.startedAt !== undefined) averageMs = 0.8 * averageMs + 0.2 * (performance.now() - running.startedAt)
      if (message.error) running.job.reject(rebuildError(message.error))
      else running.job.resolve(message.result)
      dispatch()
    })
    // An uncaught error or a heap beyond `maxHeapMb` ends the thread: its task fails, another thread takes the queue.
    worker.on('error', (e) => end(thread, new ElmWorkerError('worker_failed', `the ELM worker failed: ${e.message}`)))
    worker.on('exit', (code) =>
      end(thread, new ElmWorkerError('worker_failed', `the ELM worker stopped unexpectedly (exit code ${code})`)),
    )
    return thread
  }

  /** Sends a thread its task once it is ready; the deadline counts from here, not from start-up. */
  function begin(thread: Thread): void {
    const running = thread.job
    if (!running || !thread.ready || running.startedAt !== undefined) return
    running.startedAt = performance.now()
    try {
      thread.worker.postMessage({ id: running.id, task: running.job.task })
    } catch (e) {
      // What structured clone cannot copy (a function, a symbol) is refused as the caller's input.
      thread.job = undefined
      running.job.reject(
        new ElmError('invalid_input', `the input cannot be passed to the ELM worker: ${(e as Error).message}`),
      )
      dispatch()
      return
    }
    const { deadlineMs } = running.job
    running.timer = setTimeout(() => {
      if (thread.job !== running) return
      thread.job = undefined
      running.job.reject(
        new ElmWorkerError(
          'worker_deadline_exceeded',
          `the ${describeTask(running.job.task)} did not finish within ${deadlineMs} ms and was stopped`,
          { deadlineMs },
        ),
      )
      // The only way to stop JavaScript that is running: end the thread. A new one replaces it.
      end(thread)
      void thread.worker.terminate()
    }, deadlineMs)
    thread.worker.ref()
  }

  function end(thread: Thread, error?: ElmError): void {
    if (thread.ended) return
    thread.ended = true
    threads.delete(thread)
    const running = thread.job
    thread.job = undefined
    if (running) {
      clearTimeout(running.timer)
      running.job.reject(error ?? new ElmWorkerError('worker_failed', 'the ELM worker stopped'))
    }
    dispatch()
  }

  /** Gives waiting tasks to idle threads, starting threads up to `size`. */
  function dispatch(): void {
    if (closed) return
    for (const thread of threads) {
      if (queue.length === 0) break
      if (thread.job || thread.ended) continue
      thread.job = { id: nextId++, job: queue.shift()! }
      begin(thread)
    }
    while (queue.length > 0 && threads.size < size) {
      const thread = startThread()
      thread.job = { id: nextId++, job: queue.shift()! }
    }
    for (const thread of threads) if (!thread.job) thread.worker.unref()
  }

  function submit<K extends ElmTask['kind']>(
    task: Extract<ElmTask, { kind: K }>,
    taskOptions: ElmTaskOptions | undefined,
  ): Promise<ElmTaskResults[K]> {
    if (closed) return Promise.reject(new ElmWorkerError('worker_closed', 'the ELM workers are closed'))
    const busy = [...threads].filter((t) => t.job).length
    const idle = threads.size - busy + (size - threads.size)
    if (idle === 0 && queue.length >= maxQueued) {
      const retryAfterSeconds = Math.max(1, Math.ceil((averageMs * (queue.length / size + 1)) / 1000))
      return Promise.reject(
        new ElmWorkerError(
          'worker_busy',
          `the ELM workers are busy (${busy} running, ${queue.length} waiting); retry after ${retryAfterSeconds} s`,
          { retryAfterSeconds },
        ),
      )
    }
    const deadlineMs = taskOptions?.deadlineMs ?? defaultDeadline
    return new Promise<ElmTaskResults[K]>((resolve, reject) => {
      queue.push({ task, deadlineMs, resolve: resolve as (value: unknown) => void, reject })
      dispatch()
    })
  }

  return {
    validateShacl(document, taskOptions) {
      return submit({ kind: 'validateShacl', document, profile: taskOptions?.profile ?? 'generic-full' }, taskOptions)
    },
    buildEdc(course, award, taskOptions) {
      return submit(
        { kind: 'buildEdc', course: courseInputs(course), award, options: buildTaskOptions(taskOptions) },
        taskOptions,
      )
    },
    annexIReportOfAward(course, award, taskOptions) {
      return submit(
        { kind: 'annexIReportOfAward', course: courseInputs(course), award, options: buildTaskOptions(taskOptions) },
        taskOptions,
      )
    },
    renderCertificatePages(edc, taskOptions) {
      return submit(
        {
          kind: 'renderCertificatePages',
          edc,
          ...(taskOptions?.languages ? { languages: taskOptions.languages } : {}),
          ...(taskOptions?.scale === undefined ? {} : { scale: taskOptions.scale }),
        },
        taskOptions,
      )
    },
    stats() {
      return {
        threads: threads.size,
        running: [...threads].filter((t) => t.job).length,
        queued: queue.length,
      }
    },
    async close() {
      if (closed) return
      closed = true
      const refused = new ElmWorkerError('worker_closed', 'the ELM workers are closed')
      for (const job of queue.splice(0)) job.reject(refused)
      const ending = [...threads]
      for (const thread of ending) end(thread, refused)
      await Promise.all(ending.map((thread) => thread.worker.terminate()))
    },
  }
}

function buildTaskOptions(options: BuildEdcOffThreadOptions | undefined) {
  return {
    ...(options?.now ? { now: options.now } : {}),
    ...(options?.primaryLanguage ? { primaryLanguage: options.primaryLanguage } : {}),
    ...(options?.pages ? { pages: options.pages } : {}),
  }
}

function describeTask(task: ElmTask): string {
  switch (task.kind) {
    case 'validateShacl':
      return 'SHACL validation'
    case 'buildEdc':
      return 'EDC build'
    case 'annexIReportOfAward':
      return 'Annex I report'
    case 'renderCertificatePages':
      return 'certificate rendering'
  }
}
