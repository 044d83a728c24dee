// What `welkin up` knows about one service: how to start it inside this process under the
// shared data directory, and what to tell the user once it runs.

export interface UpContext {
  /** Root data directory (default ./data); each service keeps its own subdirectory. */
  dataDir: string
  /** URLs of services started before this one, by service name. */
  urls: Record<string, string>
  log: (line: string) => void
}

export interface RunningService {
  name: string
  url: string
  /** Extra lines printed after the URL: where data lives, credentials, how to get started. */
  notes: string[]
  close(): Promise<void>
}

export interface ServiceSpec {
  name: string
  start(ctx: UpContext): Promise<RunningService>
}
