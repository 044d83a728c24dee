import { encodeCbor } from '@welkin/data'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { withSig } from './parse.js'

const text = fc.string({ maxLength: 40 })
const unsignedOp = fc.oneof(
  fc.record({
    type: fc.constant('plc_operation'),
    rotationKeys: fc.array(text, { maxLength: 5 }),
    verificationMethods: fc.dictionary(text, text, { maxKeys: 4 }),
    alsoKnownAs: fc.array(text, { maxLength: 3 }),
    services: fc.dictionary(text, fc.record({ type: text, endpoint: text }), { maxKeys: 3 }),
    prev: fc.option(text, { nil: null }),
  }),
  fc.record({ type: fc.constant('plc_tombstone'), prev: text }),
  fc.record({
    type: fc.constant('create'),
    signingKey: text,
    recoveryKey: text,
    handle: text,
    service: text,
    prev: fc.constant(null),
  }),
)

describe('withSig', () => {
  it('splices sig into the unsigned encoding exactly as encoding the signed op would', () => {
    fc.assert(
      fc.property(unsignedOp, fc.string({ maxLength: 120 }), (op, sig) => {
        expect(withSig(encodeCbor(op as never), sig)).toEqual(encodeCbor({ ...op, sig } as never))
      }),
      { numRuns: 300 },
    )
  })
})
