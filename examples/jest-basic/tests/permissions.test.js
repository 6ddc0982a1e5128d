const { work } = require('../support/work')

describe('permissions', () => {
  test('handles the common case', async () => {
    await work(62)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(32)
    expect('permissions'.length).toBe(11)
  })
})
