// Refs are resolved lazily (a document may refer to one added later), so a set can be checked
// as a whole once loaded: every ref must exist, and point at something it may point at
// (lexicon.md "ref": not a token; "union": objects or records only).
import type { LexDef, LexiconDoc } from './types.js'

const NOT_FOR_REF = new Set(['token', 'query', 'procedure', 'subscription', 'permission-set'])
const FOR_UNION = new Set(['object', 'record'])

export function findRefProblems(
  docs: Iterable<LexiconDoc>,
  lookup: (ref: string) => LexDef | undefined,
): string[] {
  const problems: string[] = []
  const check = (ref: string, union: boolean, where: string) => {
    const target = lookup(ref)
    if (!target) problems.push(`${where}: ${ref} is not defined`)
    else if (union && !FOR_UNION.has(target.type))
      problems.push(`${where}: union variant ${ref} is a ${target.type}, not an object or record`)
    else if (!union && NOT_FOR_REF.has(target.type))
      problems.push(`${where}: ref ${ref} points at a ${target.type}`)
  }
  const walk = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        walk(item, `${where}/${i}`)
      })
      return
    }
    const o = node as Record<string, unknown>
    if (o.type === 'ref' && typeof o.ref === 'string') check(o.ref, false, where)
    if (o.type === 'union' && Array.isArray(o.refs))
      o.refs.forEach((ref, i) => {
        check(String(ref), true, `${where}/refs/${i}`)
      })
    for (const [key, value] of Object.entries(o)) walk(value, `${where}/${key}`)
  }
  for (const doc of docs) walk(doc.defs, `${doc.id} defs`)
  return problems
}
