import t from 'tap'
import { strFromU8, unzipSync } from 'fflate'
import { buildFa3Xml } from '../../src/ksef/fa3.ts'
import { fa3InvoiceFromDocumentRows } from '../../src/ksef/fa3-documents.ts'
import { buildFa3Zip, fa3FileName } from '../../src/ksef/fa3-zip.ts'
import { assertValidFa3, documentRow, GENERATED_AT, lineRow, OPTIONS, totalRow, value } from './fa3-fixtures.ts'

t.test('file names from document numbers', async (t) => {
  t.equal(fa3FileName('FV 12/11/2026'), 'FV_12_11_2026.xml')
  t.equal(fa3FileName('KOR/Łódź/ść 3'), 'KOR_Lodz_sc_3.xml', 'Polish letters become ASCII')
  t.equal(fa3FileName('../../etc/passwd'), 'etc_passwd.xml', 'no way out of the folder')
  t.equal(fa3FileName('///'), 'faktura.xml')
})

t.test('the monthly zip holds every invoice file, valid and intact', async (t) => {
  const files = [7, 8, 9].map((seq) => {
    const doc = documentRow({
      number: `FV ${seq}/04/2026`,
      total_net: 8129,
      total_vat: 1870,
      total_gross: 9999,
      total_vat_pln: 1870
    })
    const lines = [
      lineRow(doc.id, 1, {
        name: `Kubek nr ${seq}`,
        quantityMilli: 3000,
        unitPriceGross: 3333,
        net: 8129,
        vat: 1870,
        gross: 9999,
        rate: '23'
      })
    ]
    return {
      name: fa3FileName(doc.number),
      xml: buildFa3Xml(fa3InvoiceFromDocumentRows(doc, lines, [totalRow(doc.id, '23', 8129, 1870, 9999)]), OPTIONS)
    }
  })
  // the same name twice must not overwrite the first file
  const withDuplicate = [...files, { name: files[0].name, xml: files[1].xml }]
  const zip = buildFa3Zip(withDuplicate, { modifiedAt: GENERATED_AT })
  t.same([...zip.slice(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a zip file')

  const entries = unzipSync(zip)
  t.same(Object.keys(entries), ['FV_7_04_2026.xml', 'FV_8_04_2026.xml', 'FV_9_04_2026.xml', 'FV_7_04_2026-2.xml'])
  for (const file of files) {
    const xml = strFromU8(entries[file.name])
    t.equal(xml, file.xml, `${file.name} unchanged`)
    assertValidFa3(t, xml)
  }
  t.equal(value(strFromU8(entries['FV_7_04_2026-2.xml']), 'P_2'), 'FV 8/04/2026')
  t.same(buildFa3Zip(withDuplicate, { modifiedAt: GENERATED_AT }), zip, 'the same export gives the same bytes')
  t.throws(() => buildFa3Zip([{ name: '../x.xml', xml: '' }], { modifiedAt: GENERATED_AT }), RangeError)
  t.equal(
    Object.keys(unzipSync(buildFa3Zip([], { modifiedAt: GENERATED_AT }))).length,
    0,
    'an empty month is an empty zip'
  )
})
