const { work } = require('../support/work')

describe('currency', () => {
  test('handles the common case', async () => {
    await work(32)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(17)
    expect('currency'.length).toBe(8)
  })
})
