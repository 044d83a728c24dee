import { sqliteBackend } from '../testing.js'
import { describeHttpSuite } from './http-suite.js'

describeHttpSuite(sqliteBackend)
