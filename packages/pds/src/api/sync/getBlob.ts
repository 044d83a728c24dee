// com.atproto.sync.getBlob: a blob's bytes, with the headers blob.md "Security Considerations"
// asks for, so a browser pointed at it renders nothing active.
import { NotFoundError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { BlobNotFoundError } from '../../errors.js'
import { assertRepoAvailable, type Viewer, viewerAuth } from './availability.js'

export const BLOB_CSP = "default-src 'none'; sandbox"

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<Viewer>(
    'com.atproto.sync.getBlob',
    async ({ params, auth, req }) => {
      const did = params.did as string
      const cid = params.cid as string
      assertRepoAvailable(ctx, did, auth)
      let blob: Awaited<ReturnType<typeof ctx.store.blobs.get>>
      try {
        blob = await ctx.store.blobs.get(did, cid)
      } catch (err) {
        if (err instanceof BlobNotFoundError)
          throw new NotFoundError(`Blob not found: ${cid}`, 'BlobNotFound')
        throw err
      }
      const headers = {
        'Content-Length': String(blob.size),
        'Content-Security-Policy': BLOB_CSP,
        'X-Content-Type-Options': 'nosniff',
      }
      if (req.method === 'HEAD') {
        // An empty stream keeps the Content-Length above (a byte array would set it to 0).
        blob.stream.destroy()
        return { encoding: blob.mimeType, body: noBytes(), headers }
      }
      return { encoding: blob.mimeType, body: blob.stream, headers }
    },
    { auth: viewerAuth(ctx) },
  )
}

async function* noBytes(): AsyncGenerator<Uint8Array> {}
