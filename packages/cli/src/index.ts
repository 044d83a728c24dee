// The welkin command line: see main.ts for the entry point and commands/ for each subcommand.

export type { Command, CommandContext } from './command.js'
export { CommandError, UsageError } from './command.js'
export { main } from './main.js'
