// Resource limits for decoding untrusted input, and their defaults.

export interface CborLimits {
  /** Deepest nesting of arrays and maps (a top-level map is depth 1). */
  maxDepth?: number
  /** Largest input accepted, in bytes. */
  maxBytes?: number
  /** Most entries in one array or map. */
  maxItems?: number
}

/**
 * Defaults follow the atproto data-validation guide: CBOR parsing limits "on the order of 4-5
 * MBytes", containers up to 128 Ki entries. The guide suggests 32 nesting levels; we allow 64
 * so we never refuse data another implementation accepted, and never write deeper than that.
 */
export const DEFAULT_CBOR_LIMITS: Readonly<Required<CborLimits>> = Object.freeze({
  maxDepth: 64,
  maxBytes: 5 * 1024 * 1024,
  maxItems: 128 * 1024,
})

export interface CarLimits {
  /** Largest single section (CID + block), in bytes. */
  maxBlockBytes?: number
  /** Largest whole CAR, header included, in bytes. */
  maxTotalBytes?: number
  /** Most block sections (duplicates count). */
  maxBlocks?: number
}

/**
 * Defaults for whole-repository CARs. Records are at most 1 MB (sync spec), so 2 MiB per block
 * leaves room for other block kinds; the total and count bound memory when reading into a
 * BlockMap, and are far above today's largest repositories.
 */
export const DEFAULT_CAR_LIMITS: Readonly<Required<CarLimits>> = Object.freeze({
  maxBlockBytes: 2 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxBlocks: 10_000_000,
})

/** The sync spec's hard limits for a commit event's `blocks` CAR slice (2,000,000 bytes; records 1,000,000). */
export const SYNC_SLICE_LIMITS: Readonly<Required<CarLimits>> = Object.freeze({
  maxBlockBytes: 1_000_000 + 64,
  maxTotalBytes: 2_000_000,
  maxBlocks: 20_000,
})
