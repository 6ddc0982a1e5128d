export { type ShardlessVitestOptions, shardless } from './plugin.js'
