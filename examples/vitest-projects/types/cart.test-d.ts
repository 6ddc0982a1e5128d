import { expectTypeOf, test } from 'vitest'
import { formatCents, type Line, renderCart, total } from '../src/cart.js'

test('total takes lines and returns cents', () => {
  expectTypeOf(total).parameter(0).toEqualTypeOf<Line[]>()
  expectTypeOf(total).returns.toBeNumber()
})

test('formatCents has an optional currency', () => {
  expectTypeOf(formatCents).toBeCallableWith(1999)
  expectTypeOf(formatCents).toBeCallableWith(1999, 'USD')
})

test('renderCart returns an element', () => {
  expectTypeOf(renderCart).returns.toEqualTypeOf<HTMLElement>()
})
