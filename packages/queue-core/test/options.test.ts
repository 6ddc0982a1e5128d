// resolveConfig: when shardless is on, env overrides, CI detection, and a clear error for every bad input.
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../src/errors.js'
import { DEFAULTS, detectCi, resolveConfig } from '../src/options.js'

const resolve = (user: unknown, env: NodeJS.ProcessEnv = {}) =>
  resolveConfig(user, { env, suite: '@acme/web', source: 'shardless({...})' })

const on = (user: unknown, env: NodeJS.ProcessEnv = {}) => {
  const resolution = resolve(user, env)
  if (!resolution.enabled) throw new Error(`expected shardless on: ${resolution.reason}`)
  return resolution.config
}

describe('resolveConfig', () => {
  it('is off without a Redis URL, so local runs and watch mode are untouched', () => {
    expect(resolve({})).toEqual({ enabled: false, reason: 'no Redis URL (SHARDLESS_REDIS_URL) set' })
    expect(resolve(undefined, { SHARDLESS_BUILD: 'b1' }).enabled).toBe(false)
  })

  it('is on with a URL and a build id, filling the documented defaults', () => {
    const config = on({ redisUrl: 'redis://127.0.0.1:6379', build: 'b1', machine: 'm1' })
    expect(config).toMatchObject({
      store: 'redis',
      build: 'b1',
      machine: 'm1',
      suite: '@acme/web',
      leaseMs: DEFAULTS.leaseMs,
      heartbeatMs: DEFAULTS.leaseMs / 3,
      maxRequeues: 1,
      requeueTolerance: 0.05,
      maxFailures: 0,
      maxAttempts: 3,
      buildSource: 'option',
      timingsFile: null,
    })
  })

  it('lets SHARDLESS_* env override the config object, so CI can set it per machine', () => {
    const config = on(
      { redisUrl: 'redis://config:6379', build: 'from-config', leaseMs: 5000 },
      {
        SHARDLESS_REDIS_URL: 'redis://env:6379',
        SHARDLESS_BUILD: 'from-env',
        SHARDLESS_LEASE_MS: '9000',
        SHARDLESS_REDIS_CLUSTER: 'true',
      },
    )
    expect(config).toMatchObject({
      redisUrl: 'redis://env:6379',
      build: 'from-env',
      buildSource: 'SHARDLESS_BUILD',
      leaseMs: 9000,
      heartbeatMs: 3000,
      cluster: true,
    })
  })

  it('runs the embedded store on its own, with a local build id', () => {
    expect(on({}, { SHARDLESS_STORE: 'memory' })).toMatchObject({
      store: 'memory',
      build: 'local',
      redisUrl: null,
    })
  })

  it('takes the build id and node index from the CI', () => {
    const config = on(
      { redisUrl: 'redis://r:6379' },
      {
        GITLAB_CI: 'true',
        CI_PIPELINE_ID: '991',
        CI_JOB_NAME: 'test 2/4',
        CI_NODE_INDEX: '2',
        CI_NODE_TOTAL: '4',
      },
    )
    expect(config).toMatchObject({
      build: 'gl-991-test',
      buildSource: 'GitLab CI',
      machine: 'node-2',
      index: 1,
      total: 4,
    })
  })

  it.each([
    [{ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: '2' }, 'gh-77-2', 'GitHub Actions'],
    [
      { BUILDKITE_BUILD_ID: 'abc', BUILDKITE_STEP_ID: 's1', BUILDKITE_PARALLEL_JOB: '0' },
      'bk-abc-s1',
      'Buildkite',
    ],
    [{ CIRCLE_WORKFLOW_ID: 'w9', CIRCLE_JOB: 'test' }, 'cci-w9-test', 'CircleCI'],
    [{ JENKINS_URL: 'http://j', BUILD_TAG: 'jenkins-app-42' }, 'jenkins-app-42', 'Jenkins'],
  ])('detects %j', (env, build, provider) => {
    expect(detectCi(env)).toMatchObject({ build, provider })
  })

  it.each<[string, unknown, NodeJS.ProcessEnv, RegExp]>([
    ['an unknown option, with a suggestion', { leasMs: 100 }, {}, /option "leasMs".*Did you mean "leaseMs"/],
    [
      'an unknown env variable',
      {},
      { SHARDLESS_REDIS_ULR: 'x' },
      /SHARDLESS_REDIS_ULR.*Did you mean SHARDLESS_REDIS_URL/,
    ],
    ['options that are not an object', 'redis://x', {}, /expected an object of options/],
    ['a malformed Redis URL', { redisUrl: 'localhost:6379' }, {}, /redisUrl.*must start with redis:\/\//],
    [
      'a Redis URL with a bad database',
      { redisUrl: 'redis://h:6379/x' },
      {},
      /database "x" must be a number/,
    ],
    [
      'a URL but no build id outside CI',
      { redisUrl: 'redis://h:6379' },
      {},
      /no build id is known.*SHARDLESS_BUILD/,
    ],
    ['a build id with braces', { redisUrl: 'redis://h', build: 'a{b}' }, {}, /build.*no spaces, braces/],
    [
      'a lease that is not a number',
      {},
      { SHARDLESS_LEASE_MS: '30s' },
      /SHARDLESS_LEASE_MS.*"30s" is not a number/,
    ],
    ['a lease too short', { leaseMs: 5 }, {}, /leaseMs.*at least 100/],
    ['a fractional integer', { maxRequeues: 1.5 }, {}, /maxRequeues.*whole number/],
    [
      'a heartbeat not below the lease',
      { redisUrl: 'redis://h', build: 'b', leaseMs: 1000, heartbeatMs: 1000 },
      {},
      /heartbeatMs.*shorter than leaseMs/,
    ],
    ['a store that does not exist', { store: 'postgres' }, {}, /store.*must be one of redis, memory/],
    ['store redis without a URL', { store: 'redis', build: 'b' }, {}, /store is "redis" but no Redis URL/],
    ['a bad boolean', {}, { SHARDLESS_REDIS_CLUSTER: 'maybe' }, /SHARDLESS_REDIS_CLUSTER.*true or false/],
    [
      'an index past the total',
      { redisUrl: 'redis://h', build: 'b', index: 4, total: 4 },
      {},
      /index.*below total.*0-based/,
    ],
  ])('refuses %s', (_, user, env, message) => {
    let error: unknown
    try {
      resolve(user, env)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).exitCode).toBe(2)
    expect((error as Error).message).toMatch(message)
  })

  it("accepts the Vitest plugin's variables everywhere: CI sets them for whole jobs", () => {
    expect(resolve({}, { SHARDLESS_BLOB_DIR: 'blobs', SHARDLESS_FILE_TIMEOUT_FACTOR: '3' }).enabled).toBe(
      false,
    )
    expect(() => resolve({}, { SHARDLESS_BLOB_DIRS: 'x' })).toThrow(/Did you mean SHARDLESS_BLOB_DIR/)
  })

  it('ignores the SHARDLESS_* variables that are not options', () => {
    expect(resolve({}, { SHARDLESS_FAIL: '1', SHARDLESS_DEBUG: '1' }).enabled).toBe(false)
  })
})
