const { work } = require('../support/work')

describe('shipping', () => {
  test('handles the common case', async () => {
    await work(112)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(57)
    expect('shipping'.length).toBe(8)
  })
})
