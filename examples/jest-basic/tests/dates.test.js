const { work } = require('../support/work')

describe('dates', () => {
  test('handles the common case', async () => {
    await work(31)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(16)
    expect('dates'.length).toBe(5)
  })
})
