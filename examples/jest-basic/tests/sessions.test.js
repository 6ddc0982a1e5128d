const { work } = require('../support/work')

describe('sessions', () => {
  test('handles the common case', async () => {
    await work(73)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(37)
    expect('sessions'.length).toBe(8)
  })
})
