// The one background loop of every worker (KSeF sending, the purchase download, the Allegro
// delivery): the work runs every intervalMs and on tick(), never twice at once (a tick during a
// run waits for it and gets its result, so two senders never race for one document), a failure
// is logged and the loop goes on, and stop() waits for the run in progress.
export interface IntervalWorker<T> {
  /** one run now; waits for a run already going and returns its result */
  tick: () => Promise<T>
  stop: () => Promise<void>
  /** for the work to check between items, so stop() does not wait for a whole batch */
  readonly stopped: boolean
}

export function startIntervalWorker<T>(opts: {
  intervalMs: number
  run: () => Promise<T>
  idle: T
  onError: (error: unknown) => void
}): IntervalWorker<T> {
  let stopped = false
  let running: Promise<T> | null = null
  const tick = async (): Promise<T> => {
    if (stopped) return opts.idle
    if (running !== null) return await running
    running = opts
      .run()
      .catch((error: unknown) => {
        opts.onError(error)
        return opts.idle
      })
      .finally(() => {
        running = null
      })
    return await running
  }
  const timer = setInterval(() => {
    void tick()
  }, opts.intervalMs)
  timer.unref()
  return {
    tick,
    get stopped() {
      return stopped
    },
    stop: async () => {
      stopped = true
      clearInterval(timer)
      if (running !== null) await running
    }
  }
}
