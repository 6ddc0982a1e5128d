const { work } = require('../support/work')

describe('checkout', () => {
  test('handles the common case', async () => {
    await work(1000)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(500)
    expect('checkout'.length).toBe(8)
  })
})
