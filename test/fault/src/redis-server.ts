// A redis-server of the test's own on a free port, so cases can pause, kill and restart it without touching the
// shared one on 6379.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RedisServer {
  port: number
  url: string
  /** SIGSTOP: connections stay open, nothing answers (a GC pause, a stalled VM). */
  pause(): void
  resume(): void
  /** SIGKILL and start again on the same port and directory: with AOF the data comes back, without it is gone. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export async function startRedis(
  options: { appendonly?: boolean; args?: string[] } = {},
): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'shardless-redis-'))
  let child: ChildProcess
  const launch = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        options.appendonly ? 'yes' : 'no',
        // Every write reaches the AOF before the reply: a restart loses nothing the clients were told.
        '--appendfsync',
        'always',
        ...(options.args ?? []),
      ],
      { stdio: 'ignore' },
    )
    await untilAnswers(port)
  }
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
  await launch()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    restart: async () => {
      await kill()
      await launch()
    },
    stop: async () => {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A Redis Cluster of `masters` servers (no replicas), all slots assigned; `url` is one seed node. */
export async function startCluster(
  masters = 3,
): Promise<{ url: string; nodes: RedisServer[]; stop(): Promise<void> }> {
  const nodes = await Promise.all(
    Array.from({ length: masters }, () =>
      startRedis({ args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'] }),
    ),
  )
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()))
  }
  try {
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ])
    const deadline = Date.now() + 15_000
    while (
      !(await run('redis-cli', ['-p', String(nodes[0]!.port), 'cluster', 'info'])).includes(
        'cluster_state:ok',
      )
    ) {
      if (Date.now() > deadline) throw new Error('the test cluster did not reach cluster_state:ok in 15 s')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { url: nodes[0]!.url, nodes, stop }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')}: ${output}`)),
    )
  })
}

/** Resolves once the server answers PING at all; clients retry -LOADING themselves while it reads its AOF. */
async function untilAnswers(port: number, budgetMs = 10_000): Promise<void> {
  const deadline = Date.now() + budgetMs
  while (Date.now() < deadline) {
    if (await pings(port)) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`redis-server on port ${port} did not answer within ${budgetMs} ms`)
}

function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    // Any reply will do: a server with requirepass answers PING with -NOAUTH, and it is up all the same.
    socket.once('data', () => done(true))
  })
}
