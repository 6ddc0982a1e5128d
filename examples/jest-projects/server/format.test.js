const { format } = require('../shared/format')

test('formats prices on the server', () => {
  expect(format(1234.5)).toBe('1,234.50')
})

test('has no DOM on the server', () => {
  expect(typeof document).toBe('undefined')
})
