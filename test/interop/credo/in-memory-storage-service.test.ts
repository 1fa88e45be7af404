// The in-memory StorageService through a real Credo agent's repository API (generic records),
// with the query shapes Credo itself sends: tag equality, array tags, booleans, $and, $or, $not.
import { RecordDuplicateError, RecordNotFoundError, SdJwtVcRecord } from '@credo-ts/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CredoHolder, createCredoHolder } from './credo-holder.ts'

let agent: CredoHolder
beforeAll(async () => {
  agent = await createCredoHolder({ issuerTrustAnchors: [], loopbackOrigins: [] })
  const records = agent.genericRecords
  await records.save({ id: 'a', content: { n: 1 }, tags: { kind: 'vc', types: ['A', 'B'], active: true } })
  await records.save({ id: 'b', content: { n: 2 }, tags: { kind: 'vc', types: ['B'], active: false } })
  await records.save({ id: 'c', content: { n: 3 }, tags: { kind: '1', types: ['C'] } })
})
afterAll(async () => {
  await agent?.shutdown()
})

const ids = (records: { id: string }[]) => records.map((r) => r.id).sort()

describe('InMemoryStorageService under Credo', () => {
  it('starts at the framework storage version, so the agent initialises', () => {
    expect(agent.isInitialized).toBe(true)
  })

  it('answers tag queries as Askar does', async () => {
    const find = (query: Parameters<typeof agent.genericRecords.findAllByQuery>[0]) =>
      agent.genericRecords.findAllByQuery(query).then(ids)
    expect(await find({ kind: 'vc' })).toEqual(['a', 'b'])
    // An array asks for every item; a boolean is not the string "1".
    expect(await find({ types: ['B'] })).toEqual(['a', 'b'])
    expect(await find({ types: ['A', 'B'] })).toEqual(['a'])
    expect(await find({ active: true })).toEqual(['a'])
    expect(await find({ kind: '1' })).toEqual(['c'])
    // undefined sets no condition; null asks for an absent tag.
    expect(await find({ kind: 'vc', active: undefined })).toEqual(['a', 'b'])
    expect(await find({ active: null })).toEqual(['c'])
    expect(await find({ $or: [{ types: ['C'] }, { active: true }] })).toEqual(['a', 'c'])
    expect(await find({ $and: [{ kind: 'vc' }, { types: ['B'] }], $not: { active: false } })).toEqual(['a'])
    expect(await find({ $or: [] })).toEqual([])
    expect(await find({})).toEqual(['a', 'b', 'c'])
    // Offset and limit over insertion order.
    expect(ids(await agent.genericRecords.findAllByQuery({}, { offset: 1, limit: 1 }))).toEqual(['b'])
  })

  it('keeps records serialised: a changed instance changes nothing until update', async () => {
    const record = await agent.genericRecords.findById('b')
    if (!record) throw new Error('record b is missing')
    record.content = { n: 20 }
    record.setTag('kind', 'changed')
    expect((await agent.genericRecords.findById('b'))?.content).toEqual({ n: 2 })
    await agent.genericRecords.update(record)
    const read = await agent.genericRecords.findById('b')
    expect(read?.content).toEqual({ n: 20 })
    expect(read?.getTag('kind')).toBe('changed')
    expect(read?.updatedAt).toBeInstanceOf(Date)
  })

  it('refuses a duplicate id and a missing record with Credo’s errors', async () => {
    // GenericRecordService wraps the storage's error in a CredoError carrying its message.
    await expect(agent.genericRecords.save({ id: 'a', content: {} })).rejects.toThrow(
      `Message: ${new RecordDuplicateError('Record with id a already exists', { recordType: 'GenericRecord' })}`,
    )
    await expect(agent.genericRecords.deleteById('missing')).rejects.toBeInstanceOf(RecordNotFoundError)
    await agent.genericRecords.save({ id: 'gone', content: {} })
    await agent.genericRecords.deleteById('gone')
    expect(await agent.genericRecords.findById('gone')).toBeNull()
  })

  it('keeps record types apart', async () => {
    expect(await agent.sdJwtVc.getAll()).toEqual([])
    expect(SdJwtVcRecord.type).not.toBe('GenericRecord')
  })
})
