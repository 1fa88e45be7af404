import { describe, expect, it } from 'vitest'
import { type CheckedPresentation, evaluateCredentialSets } from './evaluate-credential-sets.ts'

const verified = (queryId: string): CheckedPresentation => ({ queryId, verdict: 'verified' })
const partial = (queryId: string): CheckedPresentation => ({ queryId, verdict: 'partially-verified' })
const failed = (queryId: string): CheckedPresentation => ({ queryId, verdict: 'failed' })

// OpenID4VP 1.0 §6.2 / §6.4.2 shapes: a diploma required in one of two formats, an ID optional.
const query = {
  credentials: [{ id: 'diploma_sd_jwt' }, { id: 'diploma_vc_jwt' }, { id: 'id_card' }],
  credential_sets: [{ options: [['diploma_sd_jwt'], ['diploma_vc_jwt']] }, { options: [['id_card']], required: false }],
}

describe('evaluateCredentialSets (OpenID4VP 1.0 §6.4.2, §8.6)', () => {
  it('a required set satisfied by option 2 while option 1’s credential failed → verified', () => {
    const evaluation = evaluateCredentialSets(query, [failed('diploma_sd_jwt'), verified('diploma_vc_jwt')])
    expect(evaluation).toEqual({
      verdict: 'verified',
      credentialSets: [
        { required: true, options: [['diploma_sd_jwt'], ['diploma_vc_jwt']], satisfiedBy: ['diploma_vc_jwt'] },
        { required: false, options: [['id_card']] },
      ],
      missing: [],
    })
  })

  it('the first satisfied option is named when both are', () => {
    const evaluation = evaluateCredentialSets(query, [verified('diploma_vc_jwt'), verified('diploma_sd_jwt')])
    expect(evaluation.credentialSets[0]?.satisfiedBy).toEqual(['diploma_sd_jwt'])
  })

  it('a failing credential in an optional set does not fail the verdict; the set is unsatisfied', () => {
    const evaluation = evaluateCredentialSets(query, [verified('diploma_sd_jwt'), failed('id_card')])
    expect(evaluation.verdict).toBe('verified')
    expect(evaluation.credentialSets[1]).toEqual({ required: false, options: [['id_card']] })
    expect(evaluation.missing).toEqual([])
  })

  it('an optional set answered partially: the verdict is the weakest of what passed', () => {
    expect(evaluateCredentialSets(query, [verified('diploma_sd_jwt'), partial('id_card')]).verdict).toBe(
      'partially-verified',
    )
  })

  it('a required set with no option left → failed, and the set is named as missing', () => {
    const evaluation = evaluateCredentialSets(query, [failed('diploma_sd_jwt'), verified('id_card')])
    expect(evaluation.verdict).toBe('failed')
    expect(evaluation.missing).toEqual([{ required: true, options: [['diploma_sd_jwt'], ['diploma_vc_jwt']] }])
    expect(evaluation.credentialSets[1]?.satisfiedBy).toEqual(['id_card'])
  })

  it('an option needing two credentials is satisfied only when both passed', () => {
    const pair = {
      credentials: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      credential_sets: [{ options: [['a', 'b'], ['c']], required: true }],
    }
    expect(evaluateCredentialSets(pair, [verified('a'), failed('b')]).verdict).toBe('failed')
    expect(evaluateCredentialSets(pair, [verified('a'), verified('b')]).credentialSets[0]?.satisfiedBy).toEqual([
      'a',
      'b',
    ])
    expect(evaluateCredentialSets(pair, [verified('a'), failed('b'), verified('c')]).credentialSets[0]).toEqual({
      required: true,
      options: [['a', 'b'], ['c']],
      satisfiedBy: ['c'],
    })
  })

  it('a query answered by several presentations (multiple) counts when one of them passed', () => {
    const multiple = { credentials: [{ id: 'a' }] }
    expect(evaluateCredentialSets(multiple, [failed('a'), verified('a')]).verdict).toBe('verified')
  })

  describe('without credential_sets every credential query is required', () => {
    const plain = { credentials: [{ id: 'diploma' }, { id: 'id_card' }] }

    it('all verified → verified, one required set per query', () => {
      expect(evaluateCredentialSets(plain, [verified('diploma'), verified('id_card')])).toEqual({
        verdict: 'verified',
        credentialSets: [
          { required: true, options: [['diploma']], satisfiedBy: ['diploma'] },
          { required: true, options: [['id_card']], satisfiedBy: ['id_card'] },
        ],
        missing: [],
      })
    })

    it('one failed → failed', () => {
      const evaluation = evaluateCredentialSets(plain, [verified('diploma'), failed('id_card')])
      expect(evaluation.verdict).toBe('failed')
      expect(evaluation.missing).toEqual([{ required: true, options: [['id_card']] }])
    })

    it('one not presented → failed', () => {
      expect(evaluateCredentialSets(plain, [verified('diploma')]).verdict).toBe('failed')
    })
  })

  it('nothing that passed → failed, even when every set is optional', () => {
    const optional = { credentials: [{ id: 'a' }], credential_sets: [{ options: [['a']], required: false }] }
    expect(evaluateCredentialSets(optional, []).verdict).toBe('failed')
    expect(evaluateCredentialSets(optional, [failed('a')]).verdict).toBe('failed')
    expect(evaluateCredentialSets(optional, [verified('a')]).verdict).toBe('verified')
  })
})
