const { work } = require('../support/work')

describe('exports', () => {
  test('handles the common case', async () => {
    await work(43)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(22)
    expect('exports'.length).toBe(7)
  })
})
