// MIME type sniffing from a blob's first bytes, by magic numbers only: blob.md "Security
// Considerations" warns against parsing media on the PDS, so this reads fixed offsets and
// nothing more. Text formats (SVG, HTML, JSON) are never sniffed: the declared type stands.

/** Bytes of a blob's start that sniffing looks at. */
export const SNIFF_BYTES = 64

type Matcher = (b: Uint8Array) => string | null

function at(b: Uint8Array, offset: number, sig: readonly number[]): boolean {
  if (b.length < offset + sig.length) return false
  for (let i = 0; i < sig.length; i++) if (b[offset + i] !== sig[i]) return false
  return true
}

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0))
}

function text(b: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...b.subarray(offset, offset + length))
}

// ISO base media (mp4, mov, heic, avif...): a `ftyp` box at offset 4 whose major brand says
// which (ISO/IEC 14496-12 §4.3).
const FTYP_BRANDS: Record<string, string> = {
  avif: 'image/avif',
  avis: 'image/avif',
  heic: 'image/heic',
  heix: 'image/heic',
  mif1: 'image/heif',
  msf1: 'image/heif',
  qt: 'video/quicktime',
  M4A: 'audio/mp4',
  M4V: 'video/mp4',
  '3gp4': 'video/3gpp',
  '3gp5': 'video/3gpp',
  '3g2a': 'video/3gpp2',
}

const MATCHERS: readonly Matcher[] = [
  (b) => (at(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) ? 'image/png' : null),
  (b) => (at(b, 0, [0xff, 0xd8, 0xff]) ? 'image/jpeg' : null),
  (b) => (at(b, 0, ascii('GIF87a')) || at(b, 0, ascii('GIF89a')) ? 'image/gif' : null),
  (b) => {
    if (!at(b, 0, ascii('RIFF'))) return null
    if (at(b, 8, ascii('WEBP'))) return 'image/webp'
    if (at(b, 8, ascii('WAVE'))) return 'audio/wav'
    if (at(b, 8, ascii('AVI '))) return 'video/x-msvideo'
    return null
  },
  (b) => {
    if (!at(b, 4, ascii('ftyp')) || b.length < 12) return null
    const brand = text(b, 8, 4).replace(/ +$/, '')
    return FTYP_BRANDS[brand] ?? 'video/mp4'
  },
  // EBML: WebM and Matroska share the header; WebM is what clients upload.
  (b) => (at(b, 0, [0x1a, 0x45, 0xdf, 0xa3]) ? 'video/webm' : null),
  (b) => (at(b, 0, [0x49, 0x49, 0x2a, 0x00]) || at(b, 0, [0x4d, 0x4d, 0x00, 0x2a]) ? 'image/tiff' : null),
  // BMP: 'BM', then the file size, then four reserved zero bytes.
  (b) => (at(b, 0, ascii('BM')) && at(b, 6, [0, 0, 0, 0]) ? 'image/bmp' : null),
  (b) =>
    at(b, 0, [0x00, 0x00, 0x01, 0x00]) && b.length >= 6 && (b[4] | b[5]) !== 0
      ? 'image/vnd.microsoft.icon'
      : null,
  (b) => (at(b, 0, ascii('%PDF-')) ? 'application/pdf' : null),
  (b) => (at(b, 0, ascii('OggS')) ? 'audio/ogg' : null),
  (b) => (at(b, 0, ascii('fLaC')) ? 'audio/flac' : null),
  (b) => (at(b, 0, ascii('ID3')) ? 'audio/mpeg' : null),
  // MPEG audio frame sync: 11 set bits, layer III (0xFB, 0xF3, 0xF2 second bytes).
  (b) =>
    b.length >= 2 && b[0] === 0xff && (b[1] === 0xfb || b[1] === 0xf3 || b[1] === 0xf2) ? 'audio/mpeg' : null,
  (b) => (at(b, 0, [0x1f, 0x8b]) ? 'application/gzip' : null),
  (b) => (at(b, 0, [0x50, 0x4b, 0x03, 0x04]) ? 'application/zip' : null),
]

/** The type the first bytes identify, or null when they match nothing in the table. */
export function sniffMime(head: Uint8Array): string | null {
  for (const m of MATCHERS) {
    const t = m(head)
    if (t !== null) return t
  }
  return null
}

const TOKEN = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/

/** A declared Content-Type reduced to `type/subtype` (parameters dropped), or null if malformed. */
export function normalizeMime(declared: string | undefined | null): string | null {
  if (!declared) return null
  const base = declared.split(';')[0].trim().toLowerCase()
  return TOKEN.test(base) && base.length <= 128 ? base : null
}

/**
 * The type to record for an upload: the sniffed one when the bytes are recognised (a client's
 * label cannot make a PNG into HTML), else the declared one, else application/octet-stream.
 */
export function chooseMime(sniffed: string | null, declared: string | undefined | null): string {
  return sniffed ?? normalizeMime(declared) ?? 'application/octet-stream'
}
