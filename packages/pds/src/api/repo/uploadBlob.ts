// com.atproto.repo.uploadBlob: streams the body to a temporary blob (blob.md "Blob Lifecycle"),
// under the upload limit; the type recorded is the sniffed one when the bytes are recognised.
// A record referencing the blob makes it permanent; otherwise it is collected later.
import {
  InvalidRequestError,
  PayloadTooLargeError,
  type StreamInput,
  XrpcError,
  type XrpcServer,
} from '@welkin/xrpc'
import { type AccessCredentials, type PdsContext, toClientError } from '../../context.js'
import { BlobTooLargeError } from '../../errors.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  const limit = ctx.config.service.blobUploadLimit
  server.method<AccessCredentials>(
    'com.atproto.repo.uploadBlob',
    async ({ input, auth, signal }) => {
      const body = input as StreamInput
      let blob: Awaited<ReturnType<typeof ctx.store.blobs.upload>>
      try {
        blob = await ctx.store.blobs.upload(auth.did, body.stream, { mimeType: body.encoding, signal })
      } catch (err) {
        if (err instanceof XrpcError) throw err
        if (err instanceof BlobTooLargeError) throw new PayloadTooLargeError(err.message, 'BlobTooLarge')
        throw toClientError(err)
      }
      // blob.md: an upload whose size differs from its Content-Length is refused.
      if (body.length !== undefined && blob.size !== body.length) {
        throw new InvalidRequestError(`Body was ${blob.size} bytes, Content-Length said ${body.length}`)
      }
      return { encoding: 'application/json', body: { blob } }
    },
    { auth: ctx.auth.access, blobLimit: limit },
  )
}
