import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  ConfigError,
  resolveConfig,
  type ShardlessOptions,
  VITEST_OPTIONS,
  type VitestOptions,
} from '@shardless/queue-core'
import type { TestProject, Vitest } from 'vitest/node'
import { fatal } from './exit.js'
import { Machine } from './machine.js'
import { adoptProject } from './pool.js'

/**
 * The plugin's options: every queue option of `@shardless/queue-core`, plus the Vitest-specific ones (declared in
 * queue-core too, so the report step and other tools sharing the environment know their variables).
 */
export interface ShardlessVitestOptions extends ShardlessOptions, VitestOptions {}

/**
 * One machine per Vitest instance, whichever plugin instance asks first: Vitest 5 loads the config file again
 * for inline projects, and every load calls `shardless()` anew.
 */
const machines = new WeakMap<Vitest, Promise<Machine | null>>()

/**
 * `plugins: [shardless()]`: with a Redis URL and a build id, `vitest run` on every machine takes its test files
 * from one shared, leased queue. Without a Redis URL it does nothing (local runs, watch mode and the UI unchanged).
 */
export function shardless(options?: ShardlessVitestOptions) {
  const plugin = {
    name: 'shardless',
    /**
     * Vitest asks only projects' plugins to configure it, and before Vitest 5 inline projects inherit the root's
     * plugins only with `extends: true`: without this, a config with only such projects never turns shardless on.
     */
    config(config: { root?: string; test?: { projects?: unknown[] } }) {
      const extendsByDefault = vitestMajor(config.root ?? process.cwd()) >= 5
      for (const project of config.test?.projects ?? []) {
        if (typeof project !== 'object' || project === null) continue
        const inline = project as { extends?: unknown; plugins?: unknown[] }
        const inherits = inline.extends ?? extendsByDefault
        if (!inherits) inline.plugins = [...(inline.plugins ?? []), plugin]
      }
    },
    async configureVitest({ vitest, project }: { vitest: Vitest; project: TestProject }) {
      let machine = machines.get(vitest)
      if (!machine) {
        machine = setUp(vitest, options)
        machines.set(vitest, machine)
      }
      const ready = await machine.catch(fatal)
      if (!ready) return
      const node = await vitestNode(vitest)
      const workers = {
        forks: node.ForksPoolWorker,
        threads: node.ThreadsPoolWorker,
        vmForks: node.VmForksPoolWorker,
        vmThreads: node.VmThreadsPoolWorker,
      }
      try {
        // Every project, also inline ones that do not inherit this plugin: one left out would run all its files
        // on every machine.
        for (const each of new Set([project, ...vitest.projects])) adoptProject(each, ready, workers)
      } catch (error) {
        fatal(error)
      }
    },
  }
  return plugin
}

async function setUp(vitest: Vitest, options: ShardlessVitestOptions | undefined): Promise<Machine | null> {
  const config = vitest.config
  // The report step (`--merge-reports`) and maintenance commands run no tests.
  if (config.mergeReports || config.listTags || config.clearCache) return null
  const resolution = resolveConfig<VitestOptions>(options, {
    suite: packageName(config.root),
    source: 'shardless({...}) in the Vitest config',
    extra: VITEST_OPTIONS,
  })
  if (!resolution.enabled) return null
  if (config.watch) {
    throw new ConfigError(
      'watch mode',
      'a build drains its queue once; use `vitest run` on CI machines (locally, unset SHARDLESS_REDIS_URL to watch).',
    )
  }
  if (config.shard) {
    throw new ConfigError(
      '--shard',
      'the queue replaces static sharding: remove --shard and run the same `vitest run` on every machine.',
    )
  }
  checkNode(vitest.version)
  const { extra } = resolution
  const node = await vitestNode(vitest)
  const machine = new Machine(
    vitest,
    resolution.config,
    {
      fileTimeoutFactor: extra.fileTimeoutFactor ?? 10,
      fileTimeoutMinMs: extra.fileTimeoutMinMs ?? 300_000,
    },
    node.TypecheckPoolWorker,
  )
  withoutTypecheck(config)
  // A machine may get no file at all when the others were faster.
  config.passWithNoTests = true
  // Each machine covers a part of the code: thresholds only mean something on the merged coverage.
  if (config.coverage) config.coverage.thresholds = undefined
  uniqueBlob(vitest, resolution.config.machine, extra.blobDir)
  config.reporters.push(machine.reporter() as never)
  return machine
}

/**
 * Type tests are a queue entry run by the machine that leases it; Vitest's own Pool must not run them again on
 * every machine. Its sequencer's `sort` decides what the Pool gets (4.x and 5.x alike), so it drops them there.
 */
function withoutTypecheck(config: Vitest['config']) {
  const Sequencer = config.sequence.sequencer
  config.sequence.sequencer = function ShardlessSequencer(vitest: Vitest) {
    const sequencer = new Sequencer(vitest)
    const sort = sequencer.sort.bind(sequencer)
    sequencer.sort = async (files) => (await sort(files)).filter((spec) => spec.pool !== 'typescript')
    return sequencer
  } as unknown as typeof Sequencer
}

/** Every machine writing `blob.json` would overwrite the others' in a shared artifact directory. */
function uniqueBlob(vitest: Vitest, machine: string, blobDir: string | undefined) {
  const config = vitest.config
  const reporters = config.reporters as unknown as [unknown, Record<string, unknown> | undefined][]
  const blob = reporters.find((reporter) => Array.isArray(reporter) && reporter[0] === 'blob')
  if (!blob) return
  const outputFile = config.outputFile as string | Record<string, string> | undefined
  const configured =
    (blob[1]?.outputFile as string | undefined) ??
    (typeof outputFile === 'object' ? outputFile.blob : outputFile)
  const defaultDir = Number(vitest.version.split('.')[0]) >= 5 ? '.vitest/blob' : '.vitest-reports'
  const dir = blobDir ?? (configured ? dirname(configured) : defaultDir)
  blob[1] = { ...blob[1], outputFile: join(dir, `blob-${machine}.json`) }
}

/**
 * The worker classes of the Vitest that is running, not of whichever copy `vitest/node` resolves to from this
 * package (a workspace may hoist another version).
 */
async function vitestNode(vitest: Vitest): Promise<typeof import('vitest/node')> {
  const distPath = (vitest as unknown as { distPath?: string }).distPath
  return distPath ? import(pathToFileURL(join(distPath, 'node.js')).href) : import('vitest/node')
}

/** The major version of the Vitest a project root resolves (the one its `vitest` command runs). */
function vitestMajor(root: string): number {
  try {
    const manifest = createRequire(join(root, 'package.json')).resolve('vitest/package.json')
    return Number((JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version.split('.')[0])
  } catch {
    return 0
  }
}

function checkNode(vitestVersion: string) {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  if (Number(vitestVersion.split('.')[0]) >= 5 && (major < 22 || (major === 22 && minor < 12))) {
    throw new ConfigError(
      'Node.js version',
      `Vitest ${vitestVersion} needs Node.js >= 22.12 (this is ${process.versions.node}); its failure summary crashes on older Node. Upgrade Node, or use Vitest 4.`,
    )
  }
}

function packageName(root: string): string {
  const file = join(root, 'package.json')
  if (existsSync(file)) {
    const name = (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name
    if (typeof name === 'string' && name) return name
  }
  return basename(root)
}
