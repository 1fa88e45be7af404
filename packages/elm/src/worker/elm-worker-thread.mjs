// An ELM worker thread: SHACL validation, EDC building and certificate rendering run here, off the
// request thread (issue 12 §3). The pool (elm-worker-pool.ts) sends one task at a time and stops
// this thread when a task outlives its deadline.
//
// Plain JavaScript, like the store's pglite-thread.mjs: Node starts a worker itself, outside the
// TypeScript loaders of tsx and vitest (module.register hooks of the parent thread do not reach
// it), so this thread registers tsx for itself — Alma ships its TypeScript sources with no build
// step (apps/cli/bin/alma.js does the same for the main thread) — and then loads the tasks.
import { parentPort } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
const { runElmTask } = await import('./elm-tasks.ts')

/** What the pool needs of a failure: an ElmError's code and issues, or only a message. */
function describeError(e) {
  if (e && e.name === 'ElmError') {
    return { name: 'ElmError', code: e.code, message: e.message, issues: e.issues ?? [] }
  }
  return { name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) }
}

parentPort.on('message', (message) => {
  runElmTask(message.task).then(
    (result) => parentPort.postMessage({ id: message.id, result }),
    (e) => parentPort.postMessage({ id: message.id, error: describeError(e) }),
  )
})
parentPort.postMessage({ ready: true })
