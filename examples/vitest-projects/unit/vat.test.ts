import { expect, it } from 'vitest'
import { formatCents, total } from '../src/cart.js'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

it('vat: adds up lines', async () => {
  await wait(30)
  expect(total([{ sku: 'a', cents: 250, quantity: 3 }])).toBe(3 * 250)
})

it('vat: formats cents', () => {
  expect(formatCents(1999)).toBe('€19.99')
})
