/**
 * Seeded randomness for the simulator. Every generated thing gets its own stream keyed by
 * what it is (seed + "order" + index, …), so one item never depends on how many random
 * numbers another item used: that keeps history stable when options or code paths change.
 */

// cyrb128 spreads a string key over 128 bits of state; a 32-bit state would make
// UUID collisions likely at the order counts the benchmark uses.
function cyrb128(key: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

const HEX = '0123456789abcdef'
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** sfc32: small, fast, and good enough statistically for test data. */
export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor(key: string) {
    const [a, b, c, d] = cyrb128(key)
    this.#a = a
    this.#b = b
    this.#c = c
    this.#d = d
    for (let i = 0; i < 12; i++) this.next32()
  }

  next32(): number {
    let a = this.#a
    let b = this.#b
    let c = this.#c
    let d = this.#d
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    this.#a = a
    this.#b = b
    this.#c = c
    this.#d = d
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.next32() / 4294967296
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0
    for (const [, w] of items) total += w
    let r = this.next() * total
    for (const [value, w] of items) {
      r -= w
      if (r < 0) return value
    }
    return items[items.length - 1][0]
  }

  digits(n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) s += String(this.next32() % 10)
    return s
  }

  hex(n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) s += HEX[this.next32() & 15]
    return s
  }

  alnum(n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) s += ALNUM[this.next32() % ALNUM.length]
    return s
  }

  /** RFC 4122 version 4 layout, but deterministic. */
  uuid(): string {
    const a = this.next32()
    const b = (this.next32() & 0xffff0fff) | 0x00004000
    const c = ((this.next32() & 0x3fffffff) | 0x80000000) >>> 0
    const d = this.next32()
    const h = (n: number): string => (n >>> 0).toString(16).padStart(8, '0')
    const bh = h(b)
    const ch = h(c)
    return `${h(a)}-${bh.slice(0, 4)}-${bh.slice(4)}-${ch.slice(0, 4)}-${ch.slice(4)}${h(d)}`
  }

  /** Standard normal (Box–Muller). */
  gaussian(): number {
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.gaussian()))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = 1
    do {
      k++
      p *= this.next()
    } while (p > limit)
    return k - 1
  }
}

export function rngFor(...parts: (string | number)[]): Rng {
  return new Rng(parts.join(':'))
}

/** 32-bit FNV-1a, used for short derived identifiers such as order revisions. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** Integer minor units → Allegro's decimal string ("123.45"). */
export function formatMinor(minor: number): string {
  const sign = minor < 0 ? '-' : ''
  const abs = Math.abs(minor)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Allegro's decimal string → integer minor units; null when the text is not an amount. */
export function parseMinor(amount: string): number | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount)
  if (m === null) return null
  const minor = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'))
  return m[1] === '-' ? -minor : minor
}
