const { work } = require('../support/work')

describe('feature flags', () => {
  test('handles the common case', async () => {
    await work(26)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(14)
    expect('feature-flags'.length).toBe(13)
  })
})
