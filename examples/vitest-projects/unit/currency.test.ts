import { expect, it } from 'vitest'
import { formatCents, total } from '../src/cart.js'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

it('currency: adds up lines', async () => {
  await wait(80)
  expect(total([{ sku: 'a', cents: 250, quantity: 8 }])).toBe(8 * 250)
})

it('currency: formats cents', () => {
  expect(formatCents(1999)).toBe('€19.99')
})
