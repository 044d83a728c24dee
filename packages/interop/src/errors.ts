// Typed failures of the harness, so a test that cannot start the official stack says which
// service failed and why (with the tail of the child's output) instead of timing out.

export class InteropError extends Error {
  override name = 'InteropError'
}

/** An official service (PDS or PLC directory) did not come up, or died while starting. */
export class ServiceStartError extends InteropError {
  override name = 'ServiceStartError'
  constructor(
    readonly service: string,
    reason: string,
    readonly output = '',
  ) {
    super(`${service}: ${reason}${output ? `\n--- last output of ${service} ---\n${output}` : ''}`)
  }
}

/** A call to the official PDS or PLC directory answered with something the harness cannot use. */
export class OfficialCallError extends InteropError {
  override name = 'OfficialCallError'
}

/** Bytes that do not parse as a CAR v1 file, or a block whose hash does not match its CID. */
export class CarScanError extends InteropError {
  override name = 'CarScanError'
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`)
  }
}
