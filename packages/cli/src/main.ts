// Entry point of the `welkin` command: dispatches to a subcommand, turns typed errors into
// one readable line and an exit status, and wires Ctrl-C to an AbortSignal.
import { type CommandContext, CommandError, UsageError } from './command.js'
import { commands } from './commands/index.js'

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    'welkin — AT Protocol server stack and peer-to-peer mesh',
    '',
    'Usage: welkin <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `welkin <command> --help` for the options of one command.',
  ].join('\n')
}

function isParseArgsError(e: unknown): boolean {
  return (
    typeof (e as { code?: unknown })?.code === 'string' &&
    (e as { code: string }).code.startsWith('ERR_PARSE_ARGS')
  )
}

/**
 * Errors from our packages (typed subclasses) and from the system (ENOENT and friends, which
 * carry a code) have messages meant for people; anything else is a bug, shown with its stack.
 */
function describeFailure(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const typed =
    e instanceof CommandError || !['Error', 'TypeError', 'RangeError', 'ReferenceError'].includes(e.name)
  const system = typeof (e as { code?: unknown }).code === 'string'
  return typed || system ? e.message : (e.stack ?? e.message)
}

export interface MainIo {
  out?: (line: string) => void
  err?: (line: string) => void
  signal?: AbortSignal
}

export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`))
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`))
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(helpText())
    return name ? 0 : 2
  }
  if (name === '--version' || name === '-v') {
    out('welkin 0.1.0')
    return 0
  }
  const entry = commands.find((c) => c.name === name)
  if (!entry) {
    err(`welkin: unknown command '${name}'\n\n${helpText()}`)
    return 2
  }
  const command = await entry.load()
  if (rest.includes('--help') || rest.includes('-h')) {
    out(`${command.summary}\n\n${command.usage}`)
    return 0
  }
  const controller = new AbortController()
  const stop = () => controller.abort()
  const signal = io.signal ?? controller.signal
  if (!io.signal) {
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  }
  const ctx: CommandContext = { argv: rest, out, err, signal }
  try {
    return await command.run(ctx)
  } catch (e) {
    if (e instanceof UsageError || isParseArgsError(e)) {
      const message = e instanceof Error ? e.message : String(e)
      err(`welkin ${name}: ${message}\n\n${command.usage}`)
      return 2
    }
    err(`welkin ${name}: ${describeFailure(e)}`)
    return 1
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
