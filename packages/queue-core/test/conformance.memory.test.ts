import { conformance } from './conformance.js'
import { memoryFactory } from './helpers.js'

conformance(memoryFactory)
