import { postgresAvailable, postgresBackend } from '../testing.js'
import { describeStoreSuite } from './store-suite.js'

describeStoreSuite(postgresBackend, await postgresAvailable())
