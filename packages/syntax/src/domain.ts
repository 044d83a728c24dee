// Hostname labels (RFC 1035 / RFC 3696 §2 as narrowed by specs/handle.md), shared by handles
// and by the reversed-domain authority of NSIDs.
import { DOT, HYPHEN, inSet, LABEL, show } from './chars.js'

export const MAX_LABEL_LENGTH = 63

/** Why `s.slice(start, end)` is not a hostname label, or null. `kind` names the identifier in messages. */
export function labelProblem(s: string, start: number, end: number, kind: string): string | null {
  const length = end - start
  if (length === 0) return `${kind} has an empty label (leading, trailing or doubled "."): ${show(s)}`
  if (length > MAX_LABEL_LENGTH) {
    return `${kind} label too long (${length} > ${MAX_LABEL_LENGTH} chars): ${show(s.slice(start, end))}`
  }
  for (let i = start; i < end; i++) {
    if (!inSet(s.charCodeAt(i), LABEL)) {
      return `${kind} contains a disallowed character ${show(String.fromCodePoint(s.codePointAt(i)!))} at ${i}: ${show(s)}`
    }
  }
  if (s.charCodeAt(start) === HYPHEN || s.charCodeAt(end - 1) === HYPHEN) {
    return `${kind} label must not start or end with "-": ${show(s.slice(start, end))}`
  }
  return null
}

/** Checks the dot-separated labels of `s.slice(0, end)`: how many there are, or the first problem. */
export function scanLabels(s: string, end: number, kind: string): number | string {
  let start = 0
  let labels = 0
  for (let i = 0; i <= end; i++) {
    if (i < end && s.charCodeAt(i) !== DOT) continue
    const problem = labelProblem(s, start, i, kind)
    if (problem !== null) return problem
    labels++
    start = i + 1
  }
  return labels
}
