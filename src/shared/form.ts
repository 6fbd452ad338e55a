// Form bodies arrive as strings, or arrays of strings when a field repeats (formbody);
// anything else (a hostile JSON body, say) is treated as missing.

type FormBody = Record<string, unknown>
export type FieldErrors = Record<string, string>

export interface FormResult<V> {
  values: V
  errors: FieldErrors
}

function isFormBody(body: unknown): body is FormBody {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
}

/** The field's text, trimmed; '' when absent or not a string. */
export function text(body: unknown, name: string): string {
  if (!isFormBody(body)) return ''
  const value = body[name]
  if (typeof value === 'string') return value.trim()
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0].trim()
  return ''
}

export function asArray(body: unknown, name: string): string[] {
  if (!isFormBody(body)) return []
  const value = body[name]
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return []
}

export function checkbox(body: unknown, name: string): boolean {
  const value = text(body, name)
  return value === 'on' || value === '1' || value === 'true'
}

/** Collects the first error per field, in Polish, ready for the form to show. */
export class Validator {
  readonly errors: FieldErrors = {}

  get ok(): boolean {
    return Object.keys(this.errors).length === 0
  }

  add(field: string, message: string): void {
    if (!(field in this.errors)) this.errors[field] = message
  }

  check(condition: boolean, field: string, message: string): boolean {
    if (!condition) this.add(field, message)
    return condition
  }

  required(field: string, value: string, message = 'To pole jest wymagane.'): boolean {
    return this.check(value !== '', field, message)
  }

  maxLength(field: string, value: string, max: number): boolean {
    return this.check([...value].length <= max, field, `Najwyżej ${max} znaków.`)
  }

  oneOf<T extends string>(
    field: string,
    value: string,
    allowed: readonly T[],
    message = 'Wybierz jedną z opcji.'
  ): value is T {
    return this.check((allowed as readonly string[]).includes(value), field, message)
  }
}

/** Parses a positive integer id from a route param; null when it is not one. */
export function parseId(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null
  const id = Number(value)
  return id > 0 ? id : null
}
