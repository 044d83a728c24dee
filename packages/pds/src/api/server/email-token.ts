// Confirmation tokens for actions the official PDS confirms by email (account deletion, PLC
// operation signing). Welkin sends no mail: the token is written to the server log, where the
// operator (in development, the user) reads it. Tokens are stateless, an HMAC of the purpose,
// the DID and a 15-minute window under the JWT secret, so they survive restarts and need no
// table; one stays valid for 15 to 30 minutes and is bound to its purpose and account.
import { createHmac } from 'node:crypto'
import { safeEqual } from '@welkin/xrpc'

export type EmailTokenPurpose = 'delete_account' | 'plc_operation'

const WINDOW_SEC = 15 * 60
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export class EmailTokens {
  readonly #secret: string
  readonly #now: () => number

  constructor(secret: string, now: () => number = Date.now) {
    this.#secret = secret
    this.#now = now
  }

  #token(purpose: EmailTokenPurpose, did: string, window: number): string {
    const mac = createHmac('sha256', this.#secret)
      .update(`welkin email token\0${purpose}\0${did}\0${window}`)
      .digest()
    let out = ''
    for (let i = 0; i < 10; i++) {
      if (i === 5) out += '-'
      out += ALPHABET[mac[i] & 31]
    }
    return out
  }

  #window(): number {
    return Math.floor(this.#now() / 1000 / WINDOW_SEC)
  }

  /** A token in the official `XXXXX-XXXXX` shape. */
  issue(purpose: EmailTokenPurpose, did: string): string {
    return this.#token(purpose, did, this.#window())
  }

  /** Accepts a token from this window or the one before, in any letter case. */
  verify(purpose: EmailTokenPurpose, did: string, token: string): boolean {
    if (typeof token !== 'string' || token.length > 64) return false
    const given = token.trim().toUpperCase()
    const w = this.#window()
    const current = safeEqual(given, this.#token(purpose, did, w))
    const previous = safeEqual(given, this.#token(purpose, did, w - 1))
    return current || previous
  }
}
