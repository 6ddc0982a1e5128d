import { conformance } from './conformance.js'
import { redisFactory } from './helpers.js'

conformance(redisFactory())
