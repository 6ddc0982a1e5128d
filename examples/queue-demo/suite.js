// A synthetic suite: 48 "test files" whose durations are skewed like real suites (most short, a few long).
// Seeded, so every machine discovers the same list.
export function syntheticSuite(count = 48, seed = 7) {
  let state = seed
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
  return Array.from({ length: count }, (_, i) => {
    // log-normal around 250 ms, capped at 3 s
    const gaussian = Math.sqrt(-2 * Math.log(random() + 1e-9)) * Math.cos(2 * Math.PI * random())
    const ms = Math.min(3000, Math.round(250 * Math.exp(0.9 * gaussian)))
    return { id: `demo\0src/module-${String(i).padStart(2, '0')}.test.ts`, ms }
  })
}

/** The file that fails on its first attempt and passes on retry, to show a requeue. */
export const FLAKY = 'demo\0src/module-05.test.ts'
