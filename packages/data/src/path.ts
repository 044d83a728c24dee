// Human-readable locations inside a value, for error messages: $.embed.images[0].image

export type DataPath = readonly (string | number)[]

export function formatPath(path: DataPath): string {
  let out = '$'
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`
  }
  return out
}
