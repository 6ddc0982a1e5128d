import { entryId, type FilePayload } from '@shardless/queue-core'

export interface DemoFile {
  id: string
  file: string
  ms: number
  tests: string[]
}

const AREAS = [
  'auth',
  'cart',
  'catalog',
  'checkout',
  'coupons',
  'emails',
  'export',
  'geo',
  'i18n',
  'import',
  'invoices',
  'markdown',
  'notifications',
  'orders',
  'pagination',
  'payments',
  'profile',
  'ratings',
  'refunds',
  'reports',
  'search',
  'sessions',
  'shipping',
  'tax',
  'uploads',
  'users',
  'webhooks',
  'wishlist',
  'audit',
  'billing',
  'cache',
  'config',
  'graph',
  'locks',
  'queue',
  'rates',
  'router',
  'stock',
  'themes',
  'tokens',
]

/** The file that fails on its first attempt and passes when retried on another machine. */
export const FLAKY_FILE = 'tests/payments.test.ts'

/**
 * A deterministic synthetic suite shaped like real ones: a few slow files dominate (the ones a static split
 * strands on one machine), most are quick. `speed` scales every duration (tests run the demo fast).
 */
export function demoSuite(speed = 1): DemoFile[] {
  return AREAS.map((area, i) => {
    const file = `tests/${area}.test.ts`
    const base = i % 13 === 0 ? 2600 : i % 7 === 0 ? 1200 : 150 + ((i * 137) % 450)
    const tests = Array.from({ length: 2 + (i % 3) }, (_, t) => `${area} > case ${t + 1}`)
    return { id: entryId('', file), file, ms: Math.max(1, Math.round(base * speed)), tests }
  })
}

export function demoPayload(file: DemoFile, failing: boolean): FilePayload {
  return {
    v: 1,
    framework: 'vitest',
    frameworkVersion: 'demo',
    project: '',
    file: file.file,
    outcome: failing ? 'failed' : 'passed',
    durationMs: file.ms,
    tests: file.tests.map((name, t) => ({
      name,
      status: failing && t === 0 ? 'failed' : 'passed',
      durationMs: Math.round(file.ms / file.tests.length),
      failureMessages:
        failing && t === 0 ? ['AssertionError: expected 503 to be 200 (the sandbox gateway timed out)'] : [],
    })),
  }
}
