import { type Clock, systemClock } from './clock.js'

export interface RetryOptions {
  /** Give up once this much time has passed since the first attempt. */
  budgetMs: number
  baseMs?: number
  capMs?: number
  clock?: Clock
  random?: () => number
  isTransient: (error: unknown) => boolean
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
}

/** Exponential backoff with full jitter, so many machines hitting one recovering Redis don't retry in lockstep. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
) {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** attempt))
}

export async function withRetries<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { budgetMs, baseMs = 50, capMs = 2000, clock = systemClock, random = Math.random } = options
  const start = clock.now()
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      const elapsed = clock.now() - start
      if (!options.isTransient(error) || elapsed >= budgetMs) throw error
      const delay = Math.min(backoffDelay(attempt, baseMs, capMs, random), budgetMs - elapsed)
      options.onRetry?.(error, attempt + 1, delay)
      await clock.sleep(delay)
    }
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])
const TRANSIENT_MESSAGES = [
  'Command timed out',
  'Connection is closed',
  'max retries per request',
  'Stream isn\u2019t writeable',
  "Stream isn't writeable",
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'READONLY',
  'Failed to refresh slots cache',
]

/** Network trouble and Redis restarting or failing over: worth retrying. Auth, syntax and script errors are not. */
export function isTransientRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: string }).code
  if (code && TRANSIENT_CODES.has(code)) return true
  return TRANSIENT_MESSAGES.some((text) => error.message.includes(text))
}
