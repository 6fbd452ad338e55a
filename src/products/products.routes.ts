import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { can, requireOwner, requirePermission } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { NotFoundError } from '../shared/errors.ts'
import { checkbox, parseId, type FieldErrors } from '../shared/form.ts'
import { parseAmount, amountInput } from '../shared/money.ts'
import { MAX_NAME_LENGTH, MAX_SKU_LENGTH, PRODUCTS_PATH, UNITS, vatRateFromAllegro } from './product.ts'
import { GTU_CODES, GTU_LABELS } from '../shared/tax-codes.ts'
import { parseProductForm, parseStockCorrection, type CorrectionValues, type ProductValues } from './products.form.ts'
import {
  companyDefaultVatRate,
  findProductByName,
  findProductBySku,
  findTransactionItem,
  getProduct,
  getWz,
  isNegativeStockBlocked,
  listProducts,
  listWz,
  setBlockNegativeStock,
  updateProduct,
  type ProductRow
} from './products.queries.ts'
import { MOVEMENT_LABELS, listMovements } from './stock.queries.ts'
import offersRoutes from './offers.routes.ts'
import { VAT_RATES } from '../shared/vat.ts'
import { correctStock, createProduct } from './product-changes.ts'
import { idParam, pageParam } from '../shared/params.ts'
import { isUniqueViolation } from '../db/database.ts'

const PER_PAGE = 50

interface ProductsMount {
  base: string
  /** true for MAGAZYN » PRODUKTY (package with a warehouse), false for PRZYCHODY » PRODUKTY */
  warehouse: boolean
}

const formOptions = {
  units: UNITS.map((unit) => ({ value: unit, label: unit })),
  vatRates: VAT_RATES.map((rate) => ({ value: rate, label: rate === 'zw' ? 'zw.' : `${rate} %` })),
  priceBases: [
    { value: 'brutto', label: 'brutto' },
    { value: 'netto', label: 'netto' }
  ],
  gtuCodes: [
    { value: '', label: 'brak' },
    ...GTU_CODES.map((code) => ({ value: code, label: `${code} – ${GTU_LABELS[code]}` }))
  ]
}

function queryText(request: FastifyRequest, name: string, max = 200): string {
  const raw = (request.query as Record<string, unknown>)[name]
  return typeof raw === 'string' ? raw.trim().slice(0, max) : ''
}

const routeId = (request: FastifyRequest): number => idParam(request, 'Nie ma takiego produktu.')

function productValues(row: ProductRow): ProductValues {
  return {
    name: row.name,
    sku: row.sku ?? '',
    unit: row.unit,
    vatRate: row.vat_rate,
    priceBasis: 'brutto',
    price: amountInput(row.price_gross),
    initialStock: '',
    annex15: row.annex15 === 1,
    gtu: row.gtu,
    exemptionExcluded: row.exemption_excluded === 1
  }
}

/** A name or SKU taken between our check and the insert: the unique index says which. */
function uniqueField(error: unknown): 'name' | 'sku' | null {
  if (!isUniqueViolation(error)) return null
  if (error.message.includes('products.name')) return 'name'
  if (error.message.includes('products.sku')) return 'sku'
  return null
}

const DUPLICATE_MESSAGES = {
  name: 'Produkt o takiej nazwie już istnieje. Sprzedaż dopasowuje produkt po dokładnej nazwie, więc nazwy nie mogą się powtarzać.',
  sku: 'Inny produkt ma już tę sygnaturę (SKU).'
} as const

async function checkDuplicates(
  app: FastifyInstance,
  errors: FieldErrors,
  values: ProductValues,
  exceptId: number | null
): Promise<void> {
  if (!errors.name && values.name !== '') {
    const same = await findProductByName(app.db, values.name)
    if (same && same.id !== exceptId) errors.name = DUPLICATE_MESSAGES.name
  }
  if (!errors.sku && values.sku !== '') {
    const same = await findProductBySku(app.db, values.sku)
    if (same && same.id !== exceptId) errors.sku = DUPLICATE_MESSAGES.sku
  }
}

async function productMount(app: FastifyInstance, mount: ProductsMount): Promise<void> {
  const { base, warehouse } = mount
  const otherBase = warehouse ? PRODUCTS_PATH.plain : PRODUCTS_PATH.warehouse
  const section = warehouse ? 'Magazyn » Produkty' : 'Przychody » Produkty'

  // Same pages, two places: the company's package decides which one is real (seed S13).
  app.addHook('preHandler', async (request, reply) => {
    const hasWarehouse = reply.locals.company?.hasWarehouse ?? false
    if (hasWarehouse === warehouse) return
    if (request.method === 'GET' || request.method === 'HEAD')
      return reply.redirect(otherBase + request.url.slice(base.length), 303)
    throw new NotFoundError(
      warehouse
        ? 'Magazyn jest dostępny w pakiecie Księgowość online + magazyn.'
        : 'Produkty są w zakładce MAGAZYN » PRODUKTY.'
    )
  })
  if (warehouse) app.addHook('preHandler', requirePermission('magazyn'))

  const renderForm = async (
    reply: FastifyReply,
    status: number,
    opts: { productId: number | null; values: ProductValues; errors: FieldErrors; fromOffer?: boolean }
  ): Promise<string> => {
    const title = opts.productId === null ? 'Dodaj produkt' : `Edycja produktu ${opts.values.name}`
    return reply.code(status).viewAsync('products/form', {
      title,
      section,
      base,
      ...opts,
      fromOffer: opts.fromOffer ?? false,
      options: formOptions
    })
  }

  const renderShow = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    product: ProductRow,
    correction: { values: CorrectionValues; errors: FieldErrors } | null
  ): Promise<string> => {
    const page = pageParam(request.query)
    const { rows, total } = await listMovements(app.db, product.id, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE })
    return reply.code(status).viewAsync('products/show', {
      title: product.name,
      section,
      base,
      product,
      movements: rows,
      movementLabels: MOVEMENT_LABELS,
      page,
      pages: Math.max(1, Math.ceil(total / PER_PAGE)),
      query: {},
      correction: correction ?? { values: { kind: '', quantity: '', reason: '' }, errors: {} }
    })
  }

  app.get(base, async (request, reply) => {
    const search = queryText(request, 'szukaj')
    const page = pageParam(request.query)
    const { rows, total } = await listProducts(app.db, { search, limit: PER_PAGE, offset: (page - 1) * PER_PAGE })
    const showOffers = can(request.user, 'allegro') && reply.locals.company?.allegroEnabled === true
    const shops = showOffers
      ? await app.db
          .selectFrom('allegro_shops')
          .select(['id', 'name'])
          .where('removed_at', 'is', null)
          .orderBy('name')
          .execute()
      : []
    return reply.viewAsync('products/index', {
      title: section,
      base,
      products: rows,
      search,
      page,
      pages: Math.max(1, Math.ceil(total / PER_PAGE)),
      query: { szukaj: search },
      blockNegative: await isNegativeStockBlocked(app.db),
      shops
    })
  })

  app.post(`${base}/blokada-stanow`, { preHandler: requireOwner }, async (request, reply) => {
    const block = checkbox(request.body, 'block')
    await setBlockNegativeStock(app.db, block, toStoredTimestamp(app.ctx.now()))
    reply.flash(
      'success',
      block
        ? 'Włączono blokadę: dokumentu nie wystawisz, jeśli stan produktu spadłby poniżej zera.'
        : 'Wyłączono blokadę: stan może spaść poniżej zera, dokument pokaże ostrzeżenie.'
    )
    return reply.redirect(base, 303)
  })

  app.get(`${base}/nowy`, async (request, reply) => {
    const values: ProductValues = {
      name: '',
      sku: '',
      unit: 'szt.',
      vatRate: await companyDefaultVatRate(app.db),
      priceBasis: 'brutto',
      price: '',
      initialStock: '',
      annex15: false,
      gtu: '',
      exemptionExcluded: false
    }
    const itemId = parseId(queryText(request, 'z_oferty', 20))
    let fromOffer = false
    // Cart items are Allegro data: only users of the Allegro module may copy them.
    if (itemId !== null && can(request.user, 'allegro')) {
      const item = await findTransactionItem(app.db, itemId)
      if (item) {
        fromOffer = true
        // Offer titles come from Allegro untrusted; a prefilled form must be savable as it is.
        values.name = item.offer_name.trim().slice(0, MAX_NAME_LENGTH)
        values.sku = (item.external_id?.trim() ?? '').slice(0, MAX_SKU_LENGTH)
        values.price = amountInput(item.unit_price)
        values.vatRate = vatRateFromAllegro(item.tax_rate) ?? values.vatRate
      }
    } else if (queryText(request, 'nazwa') !== '') {
      // from the Allegro offers page: only fills the form, the user still checks and saves
      fromOffer = true
      values.name = queryText(request, 'nazwa', MAX_NAME_LENGTH)
      values.sku = queryText(request, 'sygnatura', MAX_SKU_LENGTH)
      const price = parseAmount(queryText(request, 'cena', 20))
      values.price = price !== null && price >= 0 ? amountInput(price) : ''
    }
    return await renderForm(reply, 200, { productId: null, values, errors: {}, fromOffer })
  })

  app.post(base, async (request, reply) => {
    const form = parseProductForm(request.body, { isNew: true })
    await checkDuplicates(app, form.errors, form.values, null)
    if (form.data === null || Object.keys(form.errors).length > 0) {
      return await renderForm(reply, 422, { productId: null, values: form.values, errors: form.errors })
    }
    let id: number
    try {
      id = await createProduct(
        app.db,
        form.data,
        form.initialStockMilli,
        request.user!.id,
        toStoredTimestamp(app.ctx.now())
      )
    } catch (error) {
      const field = uniqueField(error)
      if (field === null) throw error
      return await renderForm(reply, 422, {
        productId: null,
        values: form.values,
        errors: { [field]: DUPLICATE_MESSAGES[field] }
      })
    }
    reply.flash('success', `Dodano produkt „${form.data.name}”.`)
    return reply.redirect(`${base}/${id}`, 303)
  })

  app.get(`${base}/:id`, async (request, reply) => {
    const product = await getProduct(app.db, routeId(request))
    return await renderShow(request, reply, 200, product, null)
  })

  app.get(`${base}/:id/edycja`, async (request, reply) => {
    const product = await getProduct(app.db, routeId(request))
    return await renderForm(reply, 200, { productId: product.id, values: productValues(product), errors: {} })
  })

  app.post(`${base}/:id`, async (request, reply) => {
    const product = await getProduct(app.db, routeId(request))
    const form = parseProductForm(request.body, { isNew: false })
    await checkDuplicates(app, form.errors, form.values, product.id)
    if (form.data === null || Object.keys(form.errors).length > 0) {
      return await renderForm(reply, 422, { productId: product.id, values: form.values, errors: form.errors })
    }
    try {
      await updateProduct(app.db, product.id, form.data, toStoredTimestamp(app.ctx.now()))
    } catch (error) {
      const field = uniqueField(error)
      if (field === null) throw error
      return await renderForm(reply, 422, {
        productId: product.id,
        values: form.values,
        errors: { [field]: DUPLICATE_MESSAGES[field] }
      })
    }
    reply.flash('success', `Zapisano produkt „${form.data.name}”.`)
    return reply.redirect(`${base}/${product.id}`, 303)
  })

  app.post(`${base}/:id/stan`, async (request, reply) => {
    const product = await getProduct(app.db, routeId(request))
    const form = parseStockCorrection(request.body)
    if (form.correction === null)
      return await renderShow(request, reply, 422, product, { values: form.values, errors: form.errors })
    const stockAfter = await correctStock(
      app.db,
      product.id,
      form.correction,
      request.user!.id,
      toStoredTimestamp(app.ctx.now())
    )
    if (stockAfter === null) reply.flash('info', 'Stan po spisie jest taki sam jak w systemie – nic nie zmieniono.')
    else
      reply.flash(
        'success',
        form.correction.kind === 'przyjecie' ? 'Przyjęto towar na stan.' : 'Zapisano korektę inwentaryzacyjną.'
      )
    return reply.redirect(`${base}/${product.id}`, 303)
  })

  await app.register(offersRoutes, { base, section })
}

async function wzRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', async (_request, reply) => {
    if (!reply.locals.company?.hasWarehouse)
      throw new NotFoundError('Dokumenty WZ są dostępne w pakiecie Księgowość online + magazyn.')
  })
  app.addHook('preHandler', requirePermission('magazyn'))

  app.get('/magazyn/wz', async (request, reply) => {
    const page = pageParam(request.query)
    const { rows, total } = await listWz(app.db, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE })
    return reply.viewAsync('products/wz-index', {
      title: 'Magazyn » Wydania (WZ)',
      documents: rows,
      page,
      pages: Math.max(1, Math.ceil(total / PER_PAGE)),
      query: {}
    })
  })

  app.get('/magazyn/wz/:id', async (request, reply) => {
    const id = parseId((request.params as Record<string, unknown>).id)
    if (id === null) throw new NotFoundError('Nie ma takiego dokumentu WZ.')
    const { wz, lines } = await getWz(app.db, id)
    return reply.viewAsync('products/wz-show', { title: wz.number, wz, lines })
  })
}

export default async function productsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(productMount, { base: PRODUCTS_PATH.plain, warehouse: false })
  await app.register(productMount, { base: PRODUCTS_PATH.warehouse, warehouse: true })
  await app.register(wzRoutes)
}
