const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

describe('users api', () => {
  test('lists users', async () => {
    await delay(50)
    expect(process.versions.node).toBeTruthy()
  })
})
