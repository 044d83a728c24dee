// Typed errors of @welkin/mesh. Graph-level rejections (bad values, bad signatures) stay
// @welkin/graph's GraphError subclasses; these cover what the mesh adds around the graph.

export class MeshError extends Error {
  override name = 'MeshError'
}

/** The storage backend failed (I/O, a corrupt row, a closed database). */
export class MeshStoreError extends MeshError {
  override name = 'MeshStoreError'
}

/** Bad node options (listen or bootstrap addresses, intervals, key files). */
export class MeshConfigError extends MeshError {
  override name = 'MeshConfigError'
}

export type SyncErrorCode = 'protocol' | 'limit' | 'timeout' | 'closed'

/** An anti-entropy session failed: a malformed frame, a limit exceeded, a timeout. */
export class SyncError extends MeshError {
  override name = 'SyncError'
  readonly code: SyncErrorCode

  constructor(code: SyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** The HTTP API answered with an error, or the client could not reach it. */
export class MeshApiError extends MeshError {
  override name = 'MeshApiError'
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}
