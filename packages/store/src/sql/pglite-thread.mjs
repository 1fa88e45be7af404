// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) runs here, so
// its work — parsing, planning, executing, encoding rows — uses a second core instead of the
// request thread (pglite-worker-database.ts is the other end). Plain JavaScript, not TypeScript:
// a worker thread is started by Node itself, outside the TypeScript loaders of tsx and vitest.
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'

/** What the request thread needs of a failed statement: the SQLSTATE above all. */
function describeError(e) {
  const fields = ['code', 'detail', 'constraint', 'table', 'column', 'schema', 'severity']
  const described = { message: e instanceof Error ? e.message : String(e) }
  for (const field of fields) if (typeof e?.[field] === 'string') described[field] = e[field]
  return described
}

/** Open transactions by id: the PGlite transaction, and how to end it. */
const transactions = new Map()
let nextTransaction = 1
let db

async function begin() {
  const id = nextTransaction++
  let end
  const ended = new Promise((resolve, reject) => {
    end = { commit: resolve, rollback: reject }
  })
  ended.catch(() => {}) // a rollback is a rejection PGlite observes; not unhandled
  await new Promise((started, failed) => {
    const done = db.transaction(async (tx) => {
      transactions.set(id, { tx, end, done })
      started()
      await ended
    })
    done.catch(failed) // BEGIN itself failed: the callback never ran
    transactions.set(id, { end, done })
  })
  return { transaction: id }
}

async function end(id, commit) {
  const open = transactions.get(id)
  if (!open) throw new Error(`no open transaction ${id}`)
  transactions.delete(id)
  if (commit) {
    open.end.commit()
    await open.done
  } else {
    open.end.rollback(new Error('rolled back'))
    await open.done.catch(() => {})
  }
  return {}
}

function runner(id) {
  if (id === undefined) return db
  const open = transactions.get(id)
  if (!open?.tx) throw new Error(`no open transaction ${id}`)
  return open.tx
}

async function handle(message) {
  switch (message.op) {
    case 'open':
      db = workerData.dataDir === undefined ? await PGlite.create() : await PGlite.create(workerData.dataDir)
      return {}
    case 'query': {
      const result = await runner(message.transaction).query(message.sql, message.params)
      return { rows: result.rows, affectedRows: result.affectedRows }
    }
    case 'exec':
      await runner(message.transaction).exec(message.sql)
      return {}
    case 'begin':
      return begin()
    case 'end':
      return end(message.transaction, message.commit)
    case 'close':
      await db?.close()
      return {}
    default:
      throw new Error(`unknown operation ${message.op}`)
  }
}

parentPort.on('message', (message) => {
  handle(message).then(
    (result) => parentPort.postMessage({ id: message.id, result }),
    (e) => parentPort.postMessage({ id: message.id, error: describeError(e) }),
  )
})
