import type { FastifyInstance } from 'fastify'

/**
 * What background work (the Allegro import, the Allegro connection, the delivery sender) needs of
 * the app: the database, the context built in src/app.ts (config, clock, fetch, keys) and a
 * logger, and the HTTP server (the built-in simulators answer on its address). Not the whole
 * Fastify instance: no routes, hooks or decorators of the request cycle.
 */
export type BackgroundContext = Pick<FastifyInstance, 'db' | 'ctx' | 'log' | 'server'>
