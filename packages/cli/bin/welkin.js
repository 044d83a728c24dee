#!/usr/bin/env node
// The sources are TypeScript and run without a build step: tsx registers a loader
// for .ts files, then the real entry point runs.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main.ts')
process.exitCode = await main(process.argv.slice(2))
