const { work } = require('../support/work')

describe('emails', () => {
  test('handles the common case', async () => {
    await work(48)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(24)
    expect('emails'.length).toBe(6)
  })
})
