import t from 'tap'
import { startIntervalWorker } from '../../src/shared/interval-worker.ts'

function deferred() {
  let resolve: () => void = () => {}
  const promise = new Promise<void>((_resolve) => {
    resolve = _resolve
  })
  return { promise, resolve }
}

t.test(
  'runs never overlap: a tick during a run shares it; a failure is logged and the loop goes on; stop waits',
  async (t) => {
    let runs = 0
    let gate = deferred()
    const errors: unknown[] = []
    const worker = startIntervalWorker({
      intervalMs: 3_600_000,
      idle: -1,
      onError: (error) => {
        errors.push(error)
      },
      run: async () => {
        runs++
        await gate.promise
        if (runs === 2) throw new Error('Allegro leży')
        return runs
      }
    })
    const first = worker.tick()
    const second = worker.tick()
    gate.resolve()
    t.same(await Promise.all([first, second]), [1, 1], 'the second tick waited for the first run and got its result')
    t.equal(runs, 1, 'one run, not two')

    gate = deferred()
    const failing = worker.tick()
    gate.resolve()
    t.equal(await failing, -1, 'a failing run gives the idle value')
    t.match(errors, [{ message: 'Allegro leży' }], 'and is logged')

    gate = deferred()
    const third = worker.tick()
    let stopped = false
    const stopping = worker.stop().then(() => {
      stopped = true
    })
    t.equal(worker.stopped, true, 'the work can see it is being stopped')
    await new Promise((resolve) => setImmediate(resolve))
    t.equal(stopped, false, 'stop waits for the run in progress')
    gate.resolve()
    await stopping
    t.equal(await third, 3)
    t.equal(await worker.tick(), -1, 'a stopped worker does nothing')
    t.equal(runs, 3)
  }
)

t.test('the interval runs the work by itself', async (t) => {
  let runs = 0
  const worker = startIntervalWorker({ intervalMs: 10, idle: 0, onError: () => {}, run: async () => ++runs })
  await new Promise((resolve) => setTimeout(resolve, 100))
  await worker.stop()
  t.ok(runs >= 2, `ran ${runs} times in 100 ms at a 10 ms interval`)
})
