// Entry point of a verification worker. Welkin runs its TypeScript sources directly (no build
// step), and a worker thread does not inherit a loader registered by a test runner, so it
// registers tsx itself before loading the worker body.
import { register } from 'tsx/esm/api'

register()
await import('./verify-worker.ts')
