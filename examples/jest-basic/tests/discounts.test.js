const { work } = require('../support/work')

describe('discounts', () => {
  test('handles the common case', async () => {
    await work(89)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(45)
    expect('discounts'.length).toBe(9)
  })
})
