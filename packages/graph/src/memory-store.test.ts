import { MemoryGraphStore } from './store.js'
import { describeGraphStore } from './store-suite.js'

describeGraphStore('MemoryGraphStore', () => new MemoryGraphStore())
