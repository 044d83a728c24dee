// The command table. Each entry is loaded only when it runs, so `welkin --help` stays fast
// and one service's dependencies never load for another's command.
import type { Command } from '../command.js'

export interface CommandEntry {
  name: string
  summary: string
  load: () => Promise<Command>
}

export const commands: CommandEntry[] = [
  {
    name: 'up',
    summary: 'run the whole local network (what npm start runs)',
    load: async () => (await import('./up.js')).upCommand,
  },
  {
    name: 'relay',
    summary: 'run a relay that crawls PDSes, verifies and republishes their commits (default port 2470)',
    load: async () => (await import('./relay.js')).relayCommand,
  },
  {
    name: 'repo',
    summary: 'inspect, verify and export repository CAR files',
    load: async () => (await import('./repo.js')).repoCommand,
  },
  {
    name: 'mesh',
    summary: 'run a peer-to-peer mesh node with its HTTP API; put, get and keygen',
    load: async () => (await import('./mesh.js')).meshCommand,
  },
  {
    name: 'pds',
    summary: 'run a Personal Data Server (default port 2583)',
    load: async () => (await import('./pds.js')).pdsCommand,
  },
  {
    name: 'plc',
    summary: 'run a did:plc directory server (default port 2582)',
    load: async () => (await import('./plc.js')).plcCommand,
  },
  {
    name: 'did',
    summary: 'resolve, inspect and create DIDs',
    load: async () => (await import('./did.js')).didCommand,
  },
]
