import type { Environment } from './protocol.js'

/**
 * The environment and module tags Vitest derives from a test file's docblock (the same rules as Vitest's own
 * `detectCodeBlock`): a file run in a queue slot must get its own environment, not the slot's first file's.
 */
export function fileSetup(
  code: string,
  projectEnvironment: string,
): { environment: Environment; tags: string[] } {
  const name = code.match(/@(?:vitest|jest)-environment\s+([\w-]+)\b/)?.[1] ?? (projectEnvironment || 'node')
  let optionsJson = code.match(/@(?:vitest|jest)-environment-options\s+(.+)/)?.[1]
  if (optionsJson?.endsWith('*/')) optionsJson = optionsJson.slice(0, -2)
  const options = JSON.parse(optionsJson || 'null') as unknown
  const tags: string[] = []
  for (const match of code.matchAll(/(\/\/|\*)\s*@module-tag\s+([\w\-/]+)\b/g)) tags.push(match[2]!)
  return {
    environment: { name, options: options ? { [name === 'happy-dom' ? 'happyDOM' : name]: options } : null },
    tags,
  }
}

export function sameEnvironment(a: Environment, b: Environment): boolean {
  return a.name === b.name && JSON.stringify(a.options) === JSON.stringify(b.options)
}
