const { work } = require('../support/work')

describe('accounts', () => {
  test('handles the common case', async () => {
    await work(80)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(41)
    expect('accounts'.length).toBe(8)
  })
})
