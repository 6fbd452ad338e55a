import t from 'tap'
import { amountInWords, numberInWords } from '../../src/shared/amount-in-words.ts'

t.test('whole złote with the right plural form', async (t) => {
  t.equal(amountInWords(0), 'zero złotych 00/100')
  t.equal(amountInWords(100), 'jeden złoty 00/100')
  t.equal(amountInWords(200), 'dwa złote 00/100')
  t.equal(amountInWords(500), 'pięć złotych 00/100')
  t.equal(amountInWords(1200), 'dwanaście złotych 00/100')
  t.equal(amountInWords(2200), 'dwadzieścia dwa złote 00/100')
  t.equal(amountInWords(10400), 'sto cztery złote 00/100')
  t.equal(amountInWords(11200), 'sto dwanaście złotych 00/100')
  t.equal(amountInWords(10100), 'sto jeden złotych 00/100')
  t.equal(amountInWords(12345), 'sto dwadzieścia trzy złote 45/100')
  t.equal(amountInWords(7), 'zero złotych 07/100')
})

t.test('thousands and millions', async (t) => {
  t.equal(numberInWords(1000), 'tysiąc')
  t.equal(numberInWords(1200), 'tysiąc dwieście')
  t.equal(numberInWords(2000), 'dwa tysiące')
  t.equal(numberInWords(5000), 'pięć tysięcy')
  t.equal(numberInWords(12000), 'dwanaście tysięcy')
  t.equal(numberInWords(22000), 'dwadzieścia dwa tysiące')
  t.equal(numberInWords(101000), 'sto jeden tysięcy')
  t.equal(numberInWords(1_000_000), 'jeden milion')
  t.equal(numberInWords(2_500_017), 'dwa miliony pięćset tysięcy siedemnaście')
  t.equal(numberInWords(5_000_000_000), 'pięć miliardów')
  t.equal(amountInWords(100_000_000), 'jeden milion złotych 00/100')
  t.equal(amountInWords(26897), 'dwieście sześćdziesiąt osiem złotych 97/100')
  t.equal(
    amountInWords(99999999),
    'dziewięćset dziewięćdziesiąt dziewięć tysięcy dziewięćset dziewięćdziesiąt dziewięć złotych 99/100'
  )
})

t.test('other currencies decline too', async (t) => {
  t.equal(amountInWords(100, 'EUR'), 'jeden euro 00/100')
  t.equal(amountInWords(2250, 'EUR'), 'dwadzieścia dwa euro 50/100')
  t.equal(amountInWords(100, 'CZK'), 'jedna korona czeska 00/100')
  t.equal(amountInWords(200, 'CZK'), 'dwie korony czeskie 00/100')
  t.equal(amountInWords(2200, 'CZK'), 'dwadzieścia dwie korony czeskie 00/100')
  t.equal(amountInWords(2100, 'CZK'), 'dwadzieścia jeden koron czeskich 00/100')
  t.equal(amountInWords(200000, 'CZK'), 'dwa tysiące koron czeskich 00/100')
  t.equal(amountInWords(100, 'HUF'), 'jeden forint 00/100')
  t.equal(amountInWords(300, 'HUF'), 'trzy forinty 00/100')
  t.equal(amountInWords(1500, 'HUF'), 'piętnaście forintów 00/100')
  t.equal(amountInWords(1500, 'USD'), 'piętnaście USD 00/100', 'unknown currencies keep their code')
})

t.test('negative amounts and bad input', async (t) => {
  t.equal(amountInWords(-250), 'minus dwa złote 50/100')
  t.throws(() => amountInWords(1.5))
  t.throws(() => numberInWords(-1))
})
