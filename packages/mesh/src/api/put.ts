// Signed writes to user space through the API. The client signs each property with the
// soul's key over @welkin/graph's signing payload at a state it picks; the node merges them
// like any remote update, so the graph checks every signature.
import { base64Decode } from '@welkin/data'
import type { MergeResult, Update, Value } from '@welkin/graph'
import { MeshApiError } from '../errors.js'

const MAX_PROPS = 1000

const bad = (message: string): never => {
  throw new MeshApiError(400, 'InvalidRequest', message)
}

/** `{state, props: {prop: value}, sigs: {prop: base64}}` -> updates, shape-checked only. */
export function parseSignedPut(soul: string, body: object): Update[] {
  const { state, props, sigs, ...rest } = body as Record<string, unknown>
  // Bare properties, as a public soul takes them: say what is missing, not which fields are odd.
  if (sigs === undefined) {
    throw new MeshApiError(
      400,
      'SignatureRequired',
      `${soul.slice(0, 80)} is user space: writes must be signed by its key, as {state, props, sigs} ` +
        '(welkin mesh put --key signs them)',
    )
  }
  if (Object.keys(rest).length > 0) bad(`unknown fields in a signed put: ${Object.keys(rest).join(', ')}`)
  if (typeof state !== 'number' || !Number.isSafeInteger(state) || state < 0)
    bad('a signed put needs "state", a non-negative integer')
  if (typeof props !== 'object' || props === null || Array.isArray(props))
    return bad('"props" must be an object')
  if (typeof sigs !== 'object' || sigs === null || Array.isArray(sigs)) return bad('"sigs" must be an object')
  const names = Object.keys(props)
  if (names.length === 0) bad('"props" is empty')
  if (names.length > MAX_PROPS) bad(`at most ${MAX_PROPS} properties per put`)
  return names.map((prop) => {
    const sig = (sigs as Record<string, unknown>)[prop]
    if (typeof sig !== 'string') return bad(`no signature for property ${JSON.stringify(prop).slice(0, 80)}`)
    let bytes: Uint8Array
    try {
      bytes = base64Decode(sig)
    } catch {
      return bad(`signature of ${JSON.stringify(prop).slice(0, 80)} is not base64`)
    }
    return { soul, prop, value: (props as Record<string, Value>)[prop], state: state as number, sig: bytes }
  })
}

/** 200 when nothing was refused; else 403 for signatures, 400 for anything else. */
export function putStatus(soul: string, r: MergeResult): [number, object] {
  const reply = {
    soul,
    applied: r.changed.map((e) => e.prop),
    deferred: r.deferred.map((e) => e.prop),
    ignored: r.ignored,
  }
  if (r.rejected.length === 0) return [200, reply]
  const first = r.rejected[0].error
  const signature = r.rejected.some(
    (x) => x.error.code.startsWith('signature') || x.error.code === 'signer-mismatch',
  )
  return [
    signature ? 403 : 400,
    {
      error: signature ? 'SignatureRejected' : 'InvalidUpdate',
      message: first.message,
      ...reply,
      rejected: r.rejected.map((x) => ({ prop: (x.update as Update).prop, code: x.error.code })),
    },
  ]
}
