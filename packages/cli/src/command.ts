// The shape every `welkin <name>` subcommand has. Commands are loaded lazily so that
// `welkin --help` and small commands start fast and do not pull in every service.

export interface CommandContext {
  /** Arguments after the subcommand name. */
  argv: string[]
  /** Where normal output goes (stdout); injectable for tests. */
  out: (line: string) => void
  /** Where diagnostics and progress go (stderr). */
  err: (line: string) => void
  /** Aborted on SIGINT/SIGTERM; long-running services stop when it fires. */
  signal: AbortSignal
}

export interface Command {
  summary: string
  usage: string
  run(ctx: CommandContext): Promise<number>
}

/** A usage mistake: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** A failure the user should see as one clear line, exit status 1. */
export class CommandError extends Error {
  override name = 'CommandError'
}
