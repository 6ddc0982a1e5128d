/**
 * The slice of Vitest's worker message protocol the queue pool speaks (`vitest/node` WorkerRequest and
 * WorkerResponse, identical in 4.0, 4.1 and 5.x). Typed loosely on purpose: the wrapper forwards what it does
 * not touch, so fields a Vitest minor adds pass through unchanged.
 */
export interface WorkerRequest {
  __vitest_worker_request__: true
  type: 'start' | 'run' | 'collect' | 'stop' | 'cancel'
  context?: { files: RunFile[]; environment: Environment; [key: string]: unknown }
  [key: string]: unknown
}

export interface WorkerResponse {
  __vitest_worker_response__: true
  type: 'started' | 'stopped' | 'testfileFinished'
  error?: unknown
  usedMemory?: number
}

export interface RunFile {
  filepath: string
  [key: string]: unknown
}

export interface Environment {
  name: string
  options: Record<string, unknown> | null
}

export function isRequest(message: unknown): message is WorkerRequest {
  return (message as WorkerRequest | null)?.__vitest_worker_request__ === true
}

export function isResponse(message: unknown): message is WorkerResponse {
  return (message as WorkerResponse | null)?.__vitest_worker_response__ === true
}

export function response(type: WorkerResponse['type'], error?: unknown): WorkerResponse {
  return { __vitest_worker_response__: true, type, ...(error === undefined ? {} : { error }) }
}
