const { work } = require('../support/work')

describe('payments', () => {
  test('handles the common case', async () => {
    await work(315)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(158)
    expect('payments'.length).toBe(8)
  })
})
