import { describe, expect, it } from 'vitest'
import { fileSetup, sameEnvironment } from '../src/environment.js'

// Built at run time: Vitest reads these docblock tags from this file's own source too.
const at = (tag: string) => `@${tag}`

describe('fileSetup', () => {
  it('uses the project environment when the file names none', () => {
    expect(fileSetup('export {}', 'node')).toEqual({ environment: { name: 'node', options: null }, tags: [] })
    expect(fileSetup('', '').environment.name).toBe('node')
  })

  it('reads the docblock environment, its options and module tags like Vitest does', () => {
    const code = [
      '/**',
      ` * ${at('vitest-environment')} happy-dom`,
      ` * ${at('vitest-environment-options')} {"url": "https://example.test"}`,
      ` * ${at('module-tag')} slow`,
      ' */',
      `// ${at('module-tag')} db/postgres`,
    ].join('\n')
    expect(fileSetup(code, 'node')).toEqual({
      environment: { name: 'happy-dom', options: { happyDOM: { url: 'https://example.test' } } },
      tags: ['slow', 'db/postgres'],
    })
    expect(fileSetup(`/** ${at('jest-environment')} jsdom */`, 'node').environment.name).toBe('jsdom')
  })
})

describe('sameEnvironment', () => {
  it('compares names and options', () => {
    expect(sameEnvironment({ name: 'node', options: null }, { name: 'node', options: null })).toBe(true)
    expect(sameEnvironment({ name: 'jsdom', options: null }, { name: 'jsdom', options: { jsdom: {} } })).toBe(
      false,
    )
  })
})
