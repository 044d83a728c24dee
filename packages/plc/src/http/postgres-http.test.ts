import { postgresAvailable, postgresBackend } from '../testing.js'
import { describeHttpSuite } from './http-suite.js'

describeHttpSuite(postgresBackend, await postgresAvailable())
