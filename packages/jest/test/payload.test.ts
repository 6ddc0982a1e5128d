import type { AssertionResult, TestResult } from '@jest/test-result'
import { entryId } from '@shardless/queue-core'
import { describe, expect, it } from 'vitest'
import { copyResult, filePayload, outcomeOf } from '../src/payload.js'

const assertion = (overrides: Partial<AssertionResult>): AssertionResult => ({
  ancestorTitles: ['cart', 'totals'],
  title: 'adds tax',
  fullName: 'cart totals adds tax',
  status: 'passed',
  duration: 12,
  failureMessages: [],
  failureDetails: [],
  numPassingAsserts: 1,
  ...overrides,
})

const result = (tests: AssertionResult[], overrides: Partial<TestResult> = {}): TestResult =>
  ({
    leaks: false,
    numFailingTests: tests.filter((t) => t.status === 'failed').length,
    numPassingTests: tests.filter((t) => t.status === 'passed').length,
    numPendingTests: tests.filter((t) => t.status === 'pending').length,
    numTodoTests: tests.filter((t) => t.status === 'todo').length,
    openHandles: [],
    skipped: false,
    testFilePath: '/repo/tests/cart.test.js',
    testResults: tests,
    ...overrides,
  }) as TestResult

describe('outcomeOf follows the scheduler', () => {
  it('fails a file with a failing test, an exec error, leaks, or no tests at all', () => {
    expect(outcomeOf(result([assertion({ status: 'failed' })]))).toBe('failed')
    expect(
      outcomeOf(result([assertion({})], { testExecError: { message: 'boom at import', stack: '' } })),
    ).toBe('failed')
    expect(outcomeOf(result([assertion({})], { leaks: true }))).toBe('failed')
    expect(outcomeOf(result([]))).toBe('failed')
  })

  it('passes a file with a passing test, skips one whose tests were all skipped', () => {
    expect(outcomeOf(result([assertion({}), assertion({ status: 'pending' })]))).toBe('passed')
    expect(outcomeOf(result([assertion({ status: 'pending' }), assertion({ status: 'todo' })]))).toBe(
      'skipped',
    )
  })
})

describe('filePayload', () => {
  it('names tests by ancestors and title, strips ANSI from failures and keeps the raw result', () => {
    const raw = result([
      assertion({
        status: 'failed',
        failureMessages: ['\u001b[31mexpected 1\u001b[39m'],
        retryReasons: ['x'],
      }),
      assertion({ title: 'later', status: 'todo', duration: null }),
    ])
    const payload = filePayload({
      entry: entryId('web', 'tests/cart.test.js'),
      version: '30.5.2',
      durationMs: 40,
      raw,
    })
    expect(payload).toMatchObject({
      v: 1,
      framework: 'jest',
      frameworkVersion: '30.5.2',
      project: 'web',
      file: 'tests/cart.test.js',
      outcome: 'failed',
      durationMs: 40,
      tests: [
        {
          name: 'cart > totals > adds tax',
          status: 'failed',
          durationMs: 12,
          failureMessages: ['expected 1'],
          retries: 1,
        },
        { name: 'cart > totals > later', status: 'todo', durationMs: 0, failureMessages: [] },
      ],
    })
    expect(payload.raw).toBe(raw)
  })
})

describe('copyResult', () => {
  it('copies through JSON, keeping errors readable and cutting cycles, without touching the original', () => {
    const actual: Record<string, unknown> = { name: 'loop' }
    actual.self = actual
    const error = Object.assign(new Error('expected loop'), { matcherResult: { actual, pass: false } })
    const raw = result([assertion({ status: 'failed', failureDetails: [error] })], {
      console: [{ message: 'hi', origin: 'here', type: 'log' }] as TestResult['console'],
    })
    const copy = copyResult(raw)
    expect(copy.testResults[0]!.failureDetails[0]).toMatchObject({
      message: 'expected loop',
      matcherResult: { actual: { name: 'loop', self: '[Circular]' }, pass: false },
    })
    raw.console = undefined
    expect(copy.console).toHaveLength(1)
  })
})
