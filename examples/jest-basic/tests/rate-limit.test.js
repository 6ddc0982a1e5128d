const { work } = require('../support/work')

describe('rate limit', () => {
  test('handles the common case', async () => {
    await work(27)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(14)
    expect('rate-limit'.length).toBe(10)
  })
})
