// Loaded into every test process by .taprc (`node-arg`), after tsx.
//
// A worker thread inherits its parent's --import flags, so under tap each worker loaded tap's
// mock and processinfo hooks and tsx before running its script. The workers here are
// xmllint-wasm's (one per XSD check: JPK files, FA(3) in the KSeF simulator and the purchase
// download): plain CommonJS from node_modules, which needs none of them. Loading them cost about
// 1 s of CPU per worker against 0.2 to 0.5 s for the check itself; the hostile-input walk alone
// starts some 60. A worker whose script lies in node_modules now starts without those flags, as it
// does under `npm start` (the server runs with no loader); what it runs and returns is the same.
import { syncBuiltinESMExports } from 'node:module'
import { fileURLToPath } from 'node:url'
import workerThreads, { type WorkerOptions } from 'node:worker_threads'

const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r'])

/** The parent's execArgv without module loaders (`--import=x` and `--import x` forms). */
export function withoutLoaders(execArgv: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg
    if (!LOADER_FLAGS.has(name)) kept.push(arg)
    else if (!arg.includes('=')) i++
  }
  return kept
}

const InheritingWorker = workerThreads.Worker

function isDependencyScript(filename: string | URL, options: WorkerOptions | undefined): boolean {
  if (options?.eval === true) return false
  const path =
    filename instanceof URL
      ? fileURLToPath(filename)
      : filename.startsWith('file:')
        ? fileURLToPath(filename)
        : filename
  return /[\\/]node_modules[\\/]/.test(path)
}

class PlainDependencyWorker extends InheritingWorker {
  constructor(filename: string | URL, options?: WorkerOptions) {
    super(
      filename,
      isDependencyScript(filename, options) && options?.execArgv === undefined
        ? { ...options, execArgv: withoutLoaders(process.execArgv) }
        : options
    )
  }
}

workerThreads.Worker = PlainDependencyWorker
syncBuiltinESMExports()
