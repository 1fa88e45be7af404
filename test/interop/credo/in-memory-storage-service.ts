// Test-only: Credo's StorageService (the interface @credo-ts/core 0.6 defines in
// src/storage/StorageService.ts) over plain maps, because Askar's native library — Credo's
// production storage — cannot be downloaded on these machines. Records are kept serialised, as
// Askar keeps them, so a caller that changes a record it read changes nothing until it calls
// `update`; tags are kept in Credo's own form (strings, booleans, arrays of strings).
import {
  type AgentContext,
  type BaseRecord,
  type BaseRecordConstructor,
  JsonTransformer,
  type Query,
  type QueryOptions,
  RecordDuplicateError,
  RecordNotFoundError,
  type StorageService,
  type TagsBase,
  type TagValue,
} from '@credo-ts/core'

interface StoredRecord {
  readonly value: string
  readonly tags: Readonly<Record<string, string | boolean | readonly string[]>>
}

type AnyRecord = BaseRecord<TagsBase, TagsBase, object>

/** The tags of a record as stored: `null` and `undefined` values are no tag at all (Askar stores none). */
function tagsOf(record: AnyRecord): StoredRecord['tags'] {
  const tags: Record<string, string | boolean | readonly string[]> = {}
  for (const [name, value] of Object.entries(record.getTags())) {
    if (value === null || value === undefined) continue
    tags[name] = Array.isArray(value) ? [...value] : value
  }
  return tags
}

/**
 * Whether one tag condition holds. The semantics are those of Credo's query type over Askar's
 * tag encoding: a string or boolean must be equal (a string "1" is not `true`); an array asks
 * that the record's array tag holds every item; `undefined` sets no condition; `null` asks that
 * the record has no such tag.
 */
function tagMatches(stored: string | boolean | readonly string[] | undefined, wanted: TagValue): boolean {
  if (wanted === undefined) return true
  if (wanted === null) return stored === undefined
  if (Array.isArray(wanted)) return Array.isArray(stored) && wanted.every((item) => stored.includes(item))
  return stored === wanted
}

/** `$and`: every sub-query; `$or`: at least one (none of an empty list); `$not`: the sub-query does not hold. */
export function matchesQuery(tags: StoredRecord['tags'], query: Query<AnyRecord>): boolean {
  const { $and, $or, $not, ...conditions } = query as {
    $and?: Query<AnyRecord>[]
    $or?: Query<AnyRecord>[]
    $not?: Query<AnyRecord>
  } & Record<string, TagValue>
  for (const [name, wanted] of Object.entries(conditions)) {
    if (!tagMatches(tags[name], wanted)) return false
  }
  if ($and && !$and.every((sub) => matchesQuery(tags, sub))) return false
  if ($or && !$or.some((sub) => matchesQuery(tags, sub))) return false
  if ($not && matchesQuery(tags, $not)) return false
  return true
}

/**
 * Credo's StorageService in memory, one space per agent context (`contextCorrelationId`) and
 * record type. Register it as `InjectionSymbols.StorageService` (see `credo-holder.ts`).
 */
export class InMemoryStorageService<T extends AnyRecord = AnyRecord> implements StorageService<T> {
  /** Askar's service does not support cursors either; Credo then pages by offset. */
  public readonly supportsCursorPagination = false

  readonly #contexts = new Map<string, Map<string, Map<string, StoredRecord>>>()

  #space(agentContext: AgentContext, type: string): Map<string, StoredRecord> {
    let types = this.#contexts.get(agentContext.contextCorrelationId)
    if (!types) {
      types = new Map()
      this.#contexts.set(agentContext.contextCorrelationId, types)
    }
    let records = types.get(type)
    if (!records) {
      records = new Map()
      types.set(type, records)
    }
    return records
  }

  #write(records: Map<string, StoredRecord>, record: T): void {
    // Askar's service stamps updatedAt on every write; Credo's records read it back.
    record.updatedAt = new Date()
    records.set(record.id, { value: JsonTransformer.serialize(record), tags: tagsOf(record) })
  }

  #read(recordClass: BaseRecordConstructor<T>, id: string, stored: StoredRecord): T {
    const instance = JsonTransformer.deserialize(stored.value, recordClass)
    instance.id = id
    instance.replaceTags(structuredClone(stored.tags) as TagsBase)
    return instance
  }

  public async save(agentContext: AgentContext, record: T): Promise<void> {
    const records = this.#space(agentContext, record.type)
    if (records.has(record.id)) {
      throw new RecordDuplicateError(`Record with id ${record.id} already exists`, { recordType: record.type })
    }
    this.#write(records, record)
  }

  public async update(agentContext: AgentContext, record: T): Promise<void> {
    const records = this.#space(agentContext, record.type)
    if (!records.has(record.id)) {
      throw new RecordNotFoundError(`record with id ${record.id} not found.`, { recordType: record.type })
    }
    this.#write(records, record)
  }

  // No updateByIdWithLock: Credo's Repository then reads, calls back and updates (no locking),
  // which is all one in-memory holder needs.

  public async delete(agentContext: AgentContext, record: T): Promise<void> {
    if (!this.#space(agentContext, record.type).delete(record.id)) {
      throw new RecordNotFoundError(`record with id ${record.id} not found.`, { recordType: record.type })
    }
  }

  public async deleteById(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>, id: string) {
    if (!this.#space(agentContext, recordClass.type).delete(id)) {
      throw new RecordNotFoundError(`record with id ${id} not found.`, { recordType: recordClass.type })
    }
  }

  public async getById(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>, id: string): Promise<T> {
    const stored = this.#space(agentContext, recordClass.type).get(id)
    if (!stored) throw new RecordNotFoundError(`record with id ${id} not found.`, { recordType: recordClass.type })
    return this.#read(recordClass, id, stored)
  }

  public async getAll(agentContext: AgentContext, recordClass: BaseRecordConstructor<T>): Promise<T[]> {
    return [...this.#space(agentContext, recordClass.type)].map(([id, stored]) => this.#read(recordClass, id, stored))
  }

  /** In insertion order, then `offset` and `limit` as Askar's scan applies them. */
  public async findByQuery(
    agentContext: AgentContext,
    recordClass: BaseRecordConstructor<T>,
    query: Query<T>,
    queryOptions?: QueryOptions,
  ): Promise<T[]> {
    if (queryOptions?.cursor) throw new Error('cursor pagination is not supported (supportsCursorPagination is false)')
    const matching = [...this.#space(agentContext, recordClass.type)].filter(([, stored]) =>
      matchesQuery(stored.tags, query as Query<AnyRecord>),
    )
    const offset = queryOptions?.offset ?? 0
    const end = queryOptions?.limit === undefined ? undefined : offset + queryOptions.limit
    return matching.slice(offset, end).map(([id, stored]) => this.#read(recordClass, id, stored))
  }
}
