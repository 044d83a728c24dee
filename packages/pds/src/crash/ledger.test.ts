import { describe, expect, it } from 'vitest'
import { expectedCid, Ledger } from './ledger.js'

const DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
const uri = (k: string) => `at://${DID}/app.bsky.feed.post/${k}`
const A = expectedCid({ text: 'a' })
const B = expectedCid({ text: 'b' })
const C = expectedCid({ text: 'c' })

describe('Ledger', () => {
  it('computes the CID a server gives a JSON record', () => {
    // The CID of the DAG-CBOR map {"text": "a"}, as any atproto implementation computes it.
    expect(A).toMatch(/^bafyrei[a-z2-7]{52}$/)
    expect(expectedCid({ text: 'a' })).toBe(A)
    expect(B).not.toBe(A)
  })

  it('accepts the acknowledged state, and what an unanswered write may have done', () => {
    const l = new Ledger()
    l.ack(DID, uri('1'), A)
    l.ack(DID, uri('2'), A)
    l.ack(DID, uri('2'), null) // deleted
    l.ack(DID, uri('3'), A)
    l.unanswered(DID, uri('3'), B) // update in flight at the kill
    l.unanswered(DID, uri('4'), C) // create in flight
    l.orphan(DID, C) // server-keyed create in flight
    expect(
      l.check(
        DID,
        new Map([
          [uri('1'), A],
          [uri('3'), A],
        ]),
      ),
    ).toEqual([])
    expect(
      l.check(
        DID,
        new Map([
          [uri('1'), A],
          [uri('3'), B],
          [uri('4'), C],
          [uri('x'), C],
        ]),
      ),
    ).toEqual([])
    expect(l.settled(DID)).toEqual([uri('1')])
    expect([l.ackCount, l.unansweredCount]).toEqual([4, 3])
  })

  it('reports a lost write, a resurrected delete, a wrong CID and a record nobody wrote', () => {
    const l = new Ledger()
    l.ack(DID, uri('1'), A)
    l.ack(DID, uri('2'), A)
    l.ack(DID, uri('2'), null)
    l.ack(DID, uri('3'), A)
    l.orphan(DID, C)
    const problems = l.check(
      DID,
      new Map([
        [uri('2'), A],
        [uri('3'), B],
        [uri('x'), C],
        [uri('y'), C],
      ]),
    )
    expect(problems).toEqual([
      `${uri('1')}: server has nothing, acknowledged ${A}`,
      `${uri('2')}: server has ${A}, acknowledged nothing`,
      `${uri('3')}: server has ${B}, acknowledged ${A}`,
      `${uri('y')}: ${C} was never written`,
    ])
  })

  it('refuses an acknowledgement after an unanswered write to the same record', () => {
    const l = new Ledger()
    l.unanswered(DID, uri('1'), A)
    expect(() => l.ack(DID, uri('1'), B)).toThrow(/after an unanswered write/)
  })
})
