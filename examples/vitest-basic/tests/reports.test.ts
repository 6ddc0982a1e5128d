import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('reports', () => {
  it('case 1', async () => {
    await io(640)
    expect(cpu(160)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(640)
    expect(cpu(160)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(640)
    expect(cpu(160)).toBeGreaterThanOrEqual(0)
  })
})
