import type { TestProject } from 'vitest/node'
import type { Slot, SlotHost } from './slot.js'

/**
 * The slots the Pool has lent this machine, handed to files of their own project (a slot's RPC is bound to its
 * project). Slots come and go with Pool tasks: a free one is parked until a file needs it or the queue is done.
 */
export class SlotPool implements Pick<SlotHost, 'offer'> {
  private idle: Slot[] = []
  private readonly busy = new Set<Slot>()
  private waiters: { project: TestProject; resolve: (slot: Slot) => void }[] = []
  private closed = false

  offer(slot: Slot) {
    this.busy.delete(slot)
    if (this.closed) return slot.finish()
    const index = this.waiters.findIndex((waiter) => waiter.project === slot.project)
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1)
      this.busy.add(slot)
      return waiter!.resolve(slot)
    }
    this.idle.push(slot)
    this.rebalance()
  }

  acquire(project: TestProject, signal: AbortSignal): Promise<Slot> {
    const index = this.idle.findIndex((slot) => slot.project === project)
    if (index >= 0) {
      const [slot] = this.idle.splice(index, 1)
      this.busy.add(slot!)
      return Promise.resolve(slot!)
    }
    return new Promise((resolve, reject) => {
      if (signal.aborted || this.closed) return reject(signal.reason ?? new Error('shardless: slots closed'))
      const waiter = {
        project,
        resolve: (slot: Slot) => {
          signal.removeEventListener('abort', abort)
          resolve(slot)
        },
      }
      const abort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(signal.reason)
      }
      signal.addEventListener('abort', abort, { once: true })
      this.waiters.push(waiter)
      this.rebalance()
    })
  }

  /** The queue is done: every parked slot's task ends, and so will every task the Pool starts from now on. */
  close() {
    this.closed = true
    for (const slot of this.idle.splice(0)) slot.finish()
  }

  /**
   * A file of a project with no slot at all can only get one from a Pool task not started yet: end one idle slot
   * of another project so the Pool moves on to its next task (multi-project configs).
   */
  private rebalance() {
    const starved = this.waiters.some(
      (waiter) => ![...this.busy, ...this.idle].some((slot) => slot.project === waiter.project),
    )
    if (starved) this.idle.shift()?.finish()
  }
}
