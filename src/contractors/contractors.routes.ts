import type { FastifyInstance, FastifyRequest } from 'fastify'
import { requireDocuments } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { text } from '../shared/form.ts'
import { documentTypeLabel } from '../shared/document-types.ts'
import type { Queryable } from '../db/database.ts'
import {
  EMPTY_CONTRACTOR,
  contractorColumns,
  contractorToValues,
  fillFromWhiteList,
  parseContractorForm,
  type ContractorValues
} from './contractors.form.ts'
import {
  CONTRACTORS_PER_PAGE,
  findContractorByNip,
  getContractor,
  insertContractor,
  listContractors,
  updateContractor,
  type ContractorRow
} from './contractors.queries.ts'
import { normalizeNip } from '../shared/nip.ts'
import { createWhiteListClient, WhiteListError, type WhiteListLookup } from '../whitelist/whitelist.ts'
import { idParam, pageParam } from '../shared/params.ts'

const contractorId = (request: FastifyRequest): number => idParam(request, 'Nie ma takiego kontrahenta.')

/** A document as the contractor's page lists it. */
interface ContractorDocument {
  id: number
  type: string
  number: string
  status: string
  issue_date: string
  total_gross: number
  currency: string
  paid: number
}

export interface ContractorsRoutesOptions {
  /**
   * The contractor's documents, a page of them: documents sit above contractors (a document
   * names its buyer), so the composition root hands this in rather than contractors importing it.
   */
  documentsOf: (
    db: Queryable,
    contractorId: number,
    page: number
  ) => Promise<{ rows: ContractorDocument[]; total: number }>
}

export default async function contractorsRoutes(
  app: FastifyInstance,
  options: ContractorsRoutesOptions
): Promise<void> {
  app.addHook('preHandler', requireDocuments)
  /** One contractor per NIP: a second one would split the buyer's documents. */
  async function duplicateNipError(values: ContractorValues, exceptId: number | null): Promise<string | null> {
    if (values.nip === '') return null
    const other = await findContractorByNip(app.db, normalizeNip(values.nip), exceptId)
    return other ? `Kontrahent z tym NIP-em już istnieje: ${other.name}.` : null
  }

  const whiteList = createWhiteListClient({
    baseUrl: app.ctx.config.whiteList.apiUrl,
    fetch: app.ctx.fetch,
    timeoutMs: app.ctx.config.whiteList.timeoutMs
  })

  /**
   * "Pobierz z białej listy" on the form: the form comes back with the register's name and
   * address filled in and the VAT status shown; nothing is stored until the user saves.
   */
  async function whiteListLookup(
    body: unknown,
    contractor: ContractorRow | null
  ): Promise<{ status: number; view: Record<string, unknown> }> {
    const values = parseContractorForm(body).values
    const title = contractor ? `Edycja: ${contractor.name}` : 'Nowy kontrahent'
    if (values.nip === '')
      return {
        status: 422,
        view: { title, values, errors: { nip: 'Wpisz NIP, aby pobrać dane z Wykazu podatników VAT.' }, contractor }
      }
    let lookup: WhiteListLookup
    try {
      lookup = await whiteList.lookupNip(values.nip, app.ctx.now().toISODate() ?? '')
    } catch (error) {
      if (!(error instanceof WhiteListError)) throw error
      return { status: 422, view: { title, values, errors: { nip: error.message }, contractor } }
    }
    return {
      status: 200,
      view: {
        title,
        values: lookup.found ? fillFromWhiteList(values, lookup.subject) : values,
        errors: {},
        contractor,
        whiteList: lookup
      }
    }
  }

  app.post('/kontrahenci/biala-lista', async (request, reply) => {
    const { status, view } = await whiteListLookup(request.body, null)
    return reply.code(status).viewAsync('contractors/form', view)
  })

  app.post('/kontrahenci/:id/biala-lista', async (request, reply) => {
    const { status, view } = await whiteListLookup(request.body, await getContractor(app.db, contractorId(request)))
    return reply.code(status).viewAsync('contractors/form', view)
  })

  app.get('/kontrahenci', async (request, reply) => {
    const q = text(request.query, 'q').slice(0, 100)
    const page = pageParam(request.query)
    const { rows, total } = await listContractors(app.db, { q, page })
    return reply.viewAsync('contractors/index', {
      title: 'Kontrahenci',
      rows,
      total,
      q,
      page,
      pages: Math.max(1, Math.ceil(total / CONTRACTORS_PER_PAGE)),
      query: { q }
    })
  })

  app.get('/kontrahenci/nowy', async (_request, reply) => {
    return reply.viewAsync('contractors/form', {
      title: 'Nowy kontrahent',
      values: EMPTY_CONTRACTOR,
      errors: {},
      contractor: null
    })
  })

  app.post('/kontrahenci', async (request, reply) => {
    const form = parseContractorForm(request.body)
    const duplicate = form.errors.nip ? null : await duplicateNipError(form.values, null)
    if (duplicate) form.errors.nip = duplicate
    if (Object.keys(form.errors).length > 0) {
      return reply.code(422).viewAsync('contractors/form', {
        title: 'Nowy kontrahent',
        values: form.values,
        errors: form.errors,
        contractor: null
      })
    }
    const now = toStoredTimestamp(app.ctx.now())
    const columns = contractorColumns(form.values)
    const id = await insertContractor(app.db, {
      ...columns,
      foreign_tax_id_type: columns.foreign_tax_id === null ? null : 'OTHER',
      created_at: now,
      updated_at: now
    })
    reply.flash('success', `Dodano kontrahenta ${form.values.name}.`)
    return reply.redirect(`/kontrahenci/${id}`, 303)
  })

  app.get('/kontrahenci/:id', async (request, reply) => {
    const contractor = await getContractor(app.db, contractorId(request))
    const page = pageParam(request.query)
    const documents = await options.documentsOf(app.db, contractor.id, page)
    return reply.viewAsync('contractors/show', {
      title: contractor.name,
      contractor,
      documents: documents.rows,
      documentCount: documents.total,
      typeLabel: documentTypeLabel
    })
  })

  app.get('/kontrahenci/:id/edycja', async (request, reply) => {
    const contractor = await getContractor(app.db, contractorId(request))
    return reply.viewAsync('contractors/form', {
      title: `Edycja: ${contractor.name}`,
      values: contractorToValues(contractor),
      errors: {},
      contractor
    })
  })

  app.post('/kontrahenci/:id/edycja', async (request, reply) => {
    const contractor: ContractorRow = await getContractor(app.db, contractorId(request))
    const form = parseContractorForm(request.body)
    const duplicate = form.errors.nip ? null : await duplicateNipError(form.values, contractor.id)
    if (duplicate) form.errors.nip = duplicate
    if (Object.keys(form.errors).length > 0) {
      return reply.code(422).viewAsync('contractors/form', {
        title: `Edycja: ${contractor.name}`,
        values: form.values,
        errors: form.errors,
        contractor
      })
    }
    const columns = contractorColumns(form.values)
    const foreignType =
      columns.foreign_tax_id === null
        ? null
        : columns.foreign_tax_id === contractor.foreign_tax_id
          ? contractor.foreign_tax_id_type
          : 'OTHER'
    // issued documents keep the buyer data they were issued with; only later documents see the change
    await updateContractor(app.db, contractor.id, {
      ...columns,
      foreign_tax_id_type: foreignType,
      updated_at: toStoredTimestamp(app.ctx.now())
    })
    reply.flash('success', `Zapisano kontrahenta ${form.values.name}.`)
    return reply.redirect(`/kontrahenci/${contractor.id}`, 303)
  })
}
