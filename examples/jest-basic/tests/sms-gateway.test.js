const { work } = require('../support/work')

describe('sms gateway', () => {
  test('handles the common case', async () => {
    await work(45)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(23)
    expect('sms-gateway'.length).toBe(11)
  })
})
