// Property values: null, boolean, finite number, string, or a link `{'#': soul}` to another
// soul (GUN's shape). Null is how a property is cleared: the CRDT never forgets a property.
import { InvalidUpdateError, preview } from './errors.js'
import { type GraphLimits, isWellFormed } from './limits.js'
import { checkSoul } from './soul.js'

export interface Link {
  readonly '#': string
}

export type Value = null | boolean | number | string | Link

export function isLink(v: unknown): v is Link {
  return typeof v === 'object' && v !== null && typeof (v as Link)['#'] === 'string'
}

/** A frozen link to `soul` (not validated: `normalizeValue` does that on every path in). */
export function link(soul: string): Link {
  return Object.freeze({ '#': soul })
}

/**
 * Checks an untrusted value and returns the form the graph stores: -0 becomes 0 (JSON and
 * DAG-CBOR cannot tell them apart) and links are copied so the caller cannot mutate them.
 */
export function normalizeValue(v: unknown, limits: GraphLimits): Value {
  switch (typeof v) {
    case 'string':
      if (v.length > limits.maxStringLength)
        throw new InvalidUpdateError('invalid-value', `string value longer than ${limits.maxStringLength}`)
      if (!isWellFormed(v))
        throw new InvalidUpdateError('invalid-value', `string value has an unpaired surrogate`)
      return v
    case 'number':
      if (!Number.isFinite(v))
        throw new InvalidUpdateError('invalid-value', `number value must be finite, got ${v}`)
      return v === 0 ? 0 : v
    case 'boolean':
      return v
    case 'object': {
      if (v === null) return null
      const keys = Object.keys(v)
      if (keys.length !== 1 || keys[0] !== '#' || Array.isArray(v))
        throw new InvalidUpdateError('invalid-value', `object values must be links {"#": soul}`)
      const soul = (v as Link)['#']
      try {
        checkSoul(soul, limits)
      } catch (err) {
        throw new InvalidUpdateError('invalid-value', `link target: ${(err as Error).message}`)
      }
      return link(soul)
    }
    default:
      throw new InvalidUpdateError('invalid-value', `unsupported value type ${typeof v}`)
  }
}

/**
 * The canonical text of a value used to break ties between equal states: JSON.stringify, as
 * GUN's HAM does, compared by UTF-16 code units (JavaScript `<`). README.md, "Tie-break".
 */
export function lexical(v: Value): string {
  return JSON.stringify(v)
}

/** True when two stored values are the same. */
export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true
  return isLink(a) && isLink(b) && a['#'] === b['#']
}

export function describeValue(v: Value): string {
  return typeof v === 'string' ? preview(v) : (lexical(v) ?? String(v))
}
