// The two things every list and detail route reads from a URL.
import type { FastifyRequest } from 'fastify'
import { NotFoundError } from './errors.ts'
import { parseId } from './form.ts'

/** A record id from the path (…/:id): a positive integer, or a 404 saying what was not found. */
export function idParam(request: FastifyRequest, notFound: string, name = 'id'): number {
  const id = parseId((request.params as Record<string, unknown>)[name])
  if (id === null) throw new NotFoundError(notFound)
  return id
}

/** The highest page any list offers: beyond it a URL is a typo or a probe, not a page. */
const MAX_PAGE = 100_000

/** ?strona=N: a whole number, held to 1..MAX_PAGE; anything else is the first page. */
export function pageParam(query: unknown, name = 'strona'): number {
  const raw = query !== null && typeof query === 'object' ? (query as Record<string, unknown>)[name] : undefined
  if (typeof raw !== 'string' || !/^\d{1,6}$/.test(raw)) return 1
  return Math.min(Math.max(Number(raw), 1), MAX_PAGE)
}
