const { work } = require('../support/work')

describe('passwords', () => {
  test('handles the common case', async () => {
    await work(67)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(34)
    expect('passwords'.length).toBe(9)
  })
})
