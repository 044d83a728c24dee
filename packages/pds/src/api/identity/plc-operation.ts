// Shared by signPlcOperation and submitPlcOperation: the account's latest op, and validation of
// op fields from a client, whose mistakes must be 400s and never reach the CBOR encoder raw.
import {
  cidForOp,
  type PlcOp,
  PlcOpError,
  type PlcOpFields,
  parsePlcOpShape,
  preparePlcOp,
} from '@welkin/identity'
import { InvalidRequestError } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'

export async function lastOpOf(ctx: PdsContext, did: string): Promise<PlcOp> {
  if (!did.startsWith('did:plc:')) throw new InvalidRequestError(`${did} is not a did:plc`)
  const last = await ctx.services.plc.getLastOp(did)
  if (last === null || last.type === 'plc_tombstone') {
    throw new InvalidRequestError(`${did} is not active at the PLC directory`)
  }
  return last
}

/** The fields' shape, checked as the PLC directory would (keys are checked once signed). */
export function checkFields(fields: PlcOpFields, prev: PlcOp): PlcOpFields {
  try {
    const op = parsePlcOpShape({ type: 'plc_operation', ...fields, prev: cidForOp(prev), sig: '' })
    if (op.type !== 'plc_operation') throw new InvalidRequestError('not a plc_operation')
    const { rotationKeys, verificationMethods, alsoKnownAs, services } = op
    return { rotationKeys, verificationMethods, alsoKnownAs, services }
  } catch (err) {
    if (err instanceof PlcOpError) throw new InvalidRequestError(`invalid operation: ${err.message}`)
    throw err
  }
}

/** A signed op from a client, fully checked (shape, keys, signature encoding, size). */
export function parseClientOp(value: unknown): PlcOp {
  try {
    return preparePlcOp(value).op
  } catch (err) {
    if (err instanceof PlcOpError) throw new InvalidRequestError(`invalid operation: ${err.message}`)
    throw err
  }
}
