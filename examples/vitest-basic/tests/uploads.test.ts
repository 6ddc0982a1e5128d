import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('uploads', () => {
  it('case 1', async () => {
    await io(78)
    expect(cpu(19)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(78)
    expect(cpu(19)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(78)
    expect(cpu(19)).toBeGreaterThanOrEqual(0)
  })
})
