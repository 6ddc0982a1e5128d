// A demo machine as its own process (so the demo can SIGKILL one): the parent passes everything in the env.
import { RedisStore } from '@shardless/queue-core'
import { runMachine } from './machine.js'
import { demoSuite } from './suite.js'

const env = process.env
const store = new RedisStore({ url: env.DEMO_REDIS_URL!, build: env.DEMO_BUILD!, suite: env.DEMO_SUITE! })
try {
  await runMachine(store, env.DEMO_MACHINE!, Number(env.DEMO_SLOTS), demoSuite(Number(env.DEMO_SPEED)))
} finally {
  await store.close()
}
