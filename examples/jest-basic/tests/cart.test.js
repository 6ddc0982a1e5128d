const { work } = require('../support/work')

describe('cart', () => {
  test('handles the common case', async () => {
    await work(152)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(77)
    expect('cart'.length).toBe(4)
  })
})
