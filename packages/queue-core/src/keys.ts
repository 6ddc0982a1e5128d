import { ConfigError } from './errors.js'

/** Build ids become part of a Redis Cluster hash tag, so braces and whitespace are refused. */
const BUILD_ID = /^[A-Za-z0-9._:/@+=-]{1,200}$/
/** Names that end up in keys or in the `,a,b,` failed-by lists. */
const NAME = /^[A-Za-z0-9._:/@+=-]{1,200}$/

export function checkBuildId(build: string, option = 'build (SHARDLESS_BUILD)'): string {
  if (!BUILD_ID.test(build)) {
    throw new ConfigError(
      option,
      `${JSON.stringify(build)} must be 1–200 characters of letters, digits and . _ : / @ + = - (no spaces, braces or commas), e.g. the CI pipeline id.`,
    )
  }
  return build
}

export function checkName(value: string, option: string): string {
  if (!NAME.test(value)) {
    throw new ConfigError(
      option,
      `${JSON.stringify(value)} must be 1–200 characters of letters, digits and . _ : / @ + = - (no spaces or commas).`,
    )
  }
  return value
}

/** Names of every key of one build's suite. `{build}` is a hash tag: one build lives in one Redis Cluster slot. */
export function buildKeys(build: string, suite: string) {
  const prefix = `shardless:{${checkBuildId(build)}}:${checkName(suite, 'suite (SHARDLESS_SUITE)')}:`
  const key = (name: string) => prefix + name
  return {
    prefix,
    meta: key('meta'),
    staged: key('staged'),
    stagedWeights: key('staged-weights'),
    entries: key('entries'),
    weights: key('weights'),
    queue: key('queue'),
    retry: key('retry'),
    failedBy: key('failed-by'),
    lease: key('lease'),
    holder: key('holder'),
    deadline: key('deadline'),
    started: key('started'),
    attempt: key('attempt'),
    outcome: key('outcome'),
    result: key('result'),
    requeues: key('requeues'),
    counters: key('counters'),
    log: key('log'),
    workers: key('workers'),
    workerInfo: key('worker-info'),
    replies: key('replies'),
    timingsClaimed: key('timings-claimed'),
    fallback: key('fallback'),
  }
}

export type BuildKeys = ReturnType<typeof buildKeys>

/** The suite's timing history outlives builds, so it has its own hash tag (one slot per suite). */
export function timingsKey(suite: string): string {
  return `shardless:timings:{${checkName(suite, 'suite (SHARDLESS_SUITE)')}}`
}
