/**
 * Counts failed password checks per key (an account, an address) in a sliding window, so brute
 * force is stopped per account even from rotating addresses, and per address even across
 * accounts (ASVS 2.2.1). Successful logins are never counted: a shop behind one proxy does not
 * lock its owner out by logging in. Memory is bounded: past `maxKeys`, the oldest keys go.
 */
export class FailureCounter {
  private readonly failures = new Map<string, number[]>()
  private readonly max: number
  private readonly windowMs: number
  private readonly now: () => number
  private readonly maxKeys: number

  constructor(max: number, windowMs: number, now: () => number, maxKeys = 20_000) {
    this.max = max
    this.windowMs = windowMs
    this.now = now
    this.maxKeys = maxKeys
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs
    const times = (this.failures.get(key) ?? []).filter((at) => at > cutoff)
    if (times.length === 0) this.failures.delete(key)
    else this.failures.set(key, times)
    return times
  }

  blocked(key: string): boolean {
    return this.recent(key).length >= this.max
  }

  fail(key: string): void {
    const times = this.recent(key)
    this.failures.delete(key) // re-inserted last: Map order is then the eviction order
    this.failures.set(key, [...times, this.now()].slice(-this.max))
    while (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!)
  }

  clear(key: string): void {
    this.failures.delete(key)
  }
}

/** The one throttle for password and TOTP code checks (login, the password change, switching TOTP off). */
export class LoginThrottle {
  private readonly perAccount: FailureCounter
  private readonly perAddress: FailureCounter

  constructor(opts: { perAccount: number; perAddress: number; windowMs: number; now: () => number }) {
    this.perAccount = new FailureCounter(opts.perAccount, opts.windowMs, opts.now)
    this.perAddress = new FailureCounter(opts.perAddress, opts.windowMs, opts.now)
  }

  blocked(account: string, address: string): boolean {
    return this.perAccount.blocked(account.toLowerCase()) || this.perAddress.blocked(address)
  }

  fail(account: string, address: string): void {
    if (account !== '') this.perAccount.fail(account.toLowerCase())
    this.perAddress.fail(address)
  }

  /** A correct password clears the account's count (not the address's: it may guess others). */
  succeed(account: string): void {
    this.perAccount.clear(account.toLowerCase())
  }
}

export class TooManyAttemptsError extends Error {
  statusCode = 429
  constructor() {
    super('too many failed password or code checks')
  }
}
