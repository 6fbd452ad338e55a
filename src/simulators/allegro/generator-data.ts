/** Word lists for the simulator's data generator. Invented data; any resemblance is accidental. */

export const MALE_FIRST_NAMES = [
  'Jan', 'Piotr', 'Krzysztof', 'Andrzej', 'Tomasz', 'Paweł', 'Michał', 'Marcin', 'Grzegorz',
  'Józef', 'Łukasz', 'Adam', 'Zbigniew', 'Jerzy', 'Tadeusz', 'Mateusz', 'Dariusz', 'Mariusz',
  'Wojciech', 'Ryszard', 'Jakub', 'Kamil', 'Maciej', 'Sebastian', 'Szymon', 'Bartłomiej',
  'Damian', 'Dawid', 'Rafał', 'Robert', 'Przemysław', 'Wiesław', 'Zdzisław', 'Kacper', 'Filip',
  'Antoni', 'Stanisław', 'Henryk', 'Artur', 'Hubert'
] as const

export const FEMALE_FIRST_NAMES = [
  'Anna', 'Maria', 'Katarzyna', 'Małgorzata', 'Agnieszka', 'Barbara', 'Ewa', 'Krystyna',
  'Elżbieta', 'Magdalena', 'Joanna', 'Aleksandra', 'Monika', 'Zofia', 'Teresa', 'Danuta',
  'Natalia', 'Karolina', 'Marta', 'Beata', 'Dorota', 'Justyna', 'Paulina', 'Halina', 'Jadwiga',
  'Iwona', 'Grażyna', 'Urszula', 'Weronika', 'Julia', 'Zuzanna', 'Alicja', 'Łucja', 'Bożena'
] as const

/** Masculine forms; adjectival surnames (-ski, -cki, -dzki) get their feminine form by rule. */
export const LAST_NAMES = [
  'Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski',
  'Zieliński', 'Szymański', 'Woźniak', 'Dąbrowski', 'Kozłowski', 'Jankowski', 'Mazur',
  'Kwiatkowski', 'Krawczyk', 'Piotrowski', 'Grabowski', 'Nowakowski', 'Pawłowski', 'Michalski',
  'Nowicki', 'Adamczyk', 'Dudek', 'Zając', 'Wieczorek', 'Jabłoński', 'Król', 'Majewski',
  'Olszewski', 'Jaworski', 'Wróbel', 'Malinowski', 'Pawlak', 'Witkowski', 'Walczak', 'Stępień',
  'Górski', 'Rutkowski', 'Michalak', 'Sikora', 'Ostrowski', 'Baran', 'Duda', 'Szewczyk',
  'Tomaszewski', 'Pietrzak', 'Marciniak', 'Wróblewski', 'Zalewski', 'Jakubowski', 'Jasiński',
  'Zawadzki', 'Sadowski', 'Bąk', 'Chmielewski', 'Włodarczyk', 'Borkowski', 'Czarnecki',
  'Sawicki', 'Sokołowski', 'Urbański', 'Kubiak', 'Maciejewski', 'Szczepański', 'Kucharski',
  'Wilk', 'Kalinowski', 'Lis', 'Mazurek', 'Wysocki', 'Adamski', 'Kaźmierczak', 'Wasilewski',
  'Sobczak', 'Czerwiński', 'Andrzejewski', 'Cieślak', 'Głowacki', 'Zakrzewski', 'Kołodziej',
  'Sikorski', 'Krajewski', 'Gajewski', 'Szymczak', 'Szulc', 'Baranowski', 'Laskowski',
  'Brzeziński', 'Makowski', 'Ziółkowski', 'Przybylski', 'Gołębiowski', 'Żak', 'Ślusarczyk'
] as const

export function feminineSurname (surname: string): string {
  if (/(ski|cki|dzki)$/.test(surname)) return surname.slice(0, -1) + 'a'
  return surname
}

/** [city, first postcode as a number (30001 = "30-001"), postcode span, 3-letter pickup-point prefix] */
export const CITIES: readonly (readonly [string, number, number, string])[] = [
  ['Warszawa', 1, 4999, 'WAW'],
  ['Kraków', 30001, 1999, 'KRA'],
  ['Łódź', 90001, 4999, 'LOD'],
  ['Wrocław', 50001, 4999, 'WRO'],
  ['Poznań', 60001, 1999, 'POZ'],
  ['Gdańsk', 80001, 999, 'GDA'],
  ['Szczecin', 70001, 1999, 'SZC'],
  ['Bydgoszcz', 85001, 999, 'BYD'],
  ['Lublin', 20001, 999, 'LUB'],
  ['Białystok', 15001, 999, 'BIA'],
  ['Katowice', 40001, 999, 'KAT'],
  ['Gdynia', 81001, 999, 'GDY'],
  ['Częstochowa', 42200, 99, 'CZE'],
  ['Radom', 26600, 99, 'RAD'],
  ['Rzeszów', 35001, 999, 'RZE'],
  ['Toruń', 87100, 99, 'TOR'],
  ['Kielce', 25001, 999, 'KIE'],
  ['Olsztyn', 10001, 999, 'OLS'],
  ['Opole', 45001, 999, 'OPO'],
  ['Zielona Góra', 65001, 999, 'ZGO'],
  ['Nowy Sącz', 33300, 99, 'NSA'],
  ['Zakopane', 34500, 9, 'ZAK'],
  ['Wadowice', 34100, 9, 'WAD'],
  ['Łomża', 18400, 9, 'LOM'],
  ['Sanok', 38500, 9, 'SAN'],
  ['Ełk', 19300, 9, 'ELK'],
  ['Gniezno', 62200, 9, 'GNI'],
  ['Świnoujście', 72600, 9, 'SWI'],
  ['Żyrardów', 96300, 9, 'ZYR'],
  ['Małkinia Górna', 7320, 0, 'MKG'],
  ['Bielsko-Biała', 43300, 99, 'BBA'],
  ['Gorzów Wielkopolski', 66400, 99, 'GOR']
]

export const STREETS = [
  'Kwiatowa', 'Polna', 'Leśna', 'Słoneczna', 'Krótka', 'Szkolna', 'Ogrodowa', 'Lipowa',
  'Brzozowa', 'Łąkowa', 'Tadeusza Kościuszki', 'Adama Mickiewicza', 'Henryka Sienkiewicza',
  'Juliusza Słowackiego', 'Jana Pawła II', 'Józefa Piłsudskiego', '3 Maja', '1 Maja', 'Długa',
  'Kolejowa', 'Parkowa', 'Wiejska', 'Zielona', 'Spacerowa', 'Akacjowa', 'Dworcowa', 'Klonowa',
  'Jasna', 'Rynek', 'Stefana Żeromskiego', 'Mikołaja Kopernika', 'Władysława Reymonta',
  'Marii Konopnickiej', 'Bolesława Prusa', 'Fryderyka Chopina', 'Wojska Polskiego',
  'Armii Krajowej', 'Grunwaldzka', 'Wolności', 'Targowa', 'Źródlana', 'Świętokrzyska',
  'Marszałkowska', 'Hoża', 'al. Jerozolimskie', 'os. Tysiąclecia', 'Różana', 'Wrzosowa',
  'Cicha', 'Ks. Jerzego Popiełuszki', 'Gen. Władysława Andersa', 'Pl. Wolności'
] as const

export const PICKUP_DESCRIPTIONS = [
  'Przy sklepie Żabka', 'Obok stacji paliw Orlen', 'Parking przy Biedronce',
  'Przy wejściu do bloku', 'Przy pętli autobusowej', 'Obok apteki', 'Przy markecie Lidl',
  'Na parkingu centrum handlowego', null
] as const

export const MOBILE_PREFIXES = [
  '500', '501', '502', '504', '505', '507', '509', '510', '512', '513', '515', '516', '517',
  '530', '531', '533', '535', '537', '570', '571', '572', '574', '600', '601', '602', '603',
  '604', '605', '606', '607', '608', '609', '660', '661', '662', '663', '664', '665', '666',
  '667', '668', '669', '690', '691', '692', '693', '694', '695', '696', '697', '698', '720',
  '721', '722', '723', '724', '725', '726', '727', '728', '729', '730', '731', '732', '733',
  '780', '781', '782', '783', '784', '785', '786', '787', '788', '789', '790', '791', '792',
  '793', '794', '795', '796', '797', '798', '799', '880', '881', '882', '883', '884', '885',
  '886', '887', '888', '889'
] as const

/** First three NIP digits: real tax-office codes, so generated NIPs look plausible. */
export const NIP_OFFICE_CODES = [
  '525', '526', '527', '521', '113', '118', '676', '677', '679', '779', '778', '894', '895',
  '584', '583', '955', '851', '712', '946', '813', '958', '701', '951', '554', '598', '634',
  '645', '922', '739', '771', '725', '727', '631', '657', '862', '966'
] as const

export const LOGIN_WORDS = [
  'kotek', 'majster', 'zlota_raczka', 'rowerzysta', 'mama', 'tata', 'ogrodnik', 'wedkarz',
  'kierowca', 'mechanik', 'kucharz', 'muzyk', 'podroznik', 'ksiazkoholik', 'gracz', 'zakupy',
  'lisek', 'misiek', 'sowa', 'pszczolka', 'wiewiorka', 'sokol', 'kreatywna', 'domowy'
] as const

export const BRAND_WORDS = [
  'Bud-Mar', 'Elektro-Max', 'Auto-Serwis', 'Drew-Pol', 'Agro-Tech', 'Instal-Bud', 'Kom-Pol',
  'Stal-Hurt', 'Eko-Dom', 'Meblex', 'Tech-Net', 'Geo-Plan', 'Med-Lux', 'Trans-Kraj', 'Print-Art',
  'Dach-Pol', 'Fot-Studio', 'Hydro-Mont', 'Glob-Trade', 'Max-Car'
] as const

export const SHOP_NICKNAMES = [
  'U Basi', 'Pod Lipą', 'Słoneczko', 'Kubuś', 'Złoty Kłos', 'Na Rogu', 'Przystań', 'Jagódka'
] as const

export const MESSAGES_TO_SELLER = [
  'Proszę o szybką wysyłkę, to prezent na urodziny.',
  'Proszę o fakturę VAT na firmę (dane w formularzu).',
  'Czy mogę prosić o zapakowanie na prezent?',
  'Proszę nie dzwonić przed 16:00.',
  'Kolor czarny, jeśli jest dostępny.',
  'Paczkę proszę zostawić u sąsiada spod 5.',
  'Dzień dobry, proszę o dołączenie paragonu.',
  'Rozmiar L zamiast M, jeśli można. Dziękuję!',
  'Zamawiam drugi raz, poprzednio wszystko super 😊',
  'Proszę o kontakt przed wysyłką – tel. 600 100 200',
  'Dzień dobry,\nproszę o wysyłkę w poniedziałek, w weekend nie ma mnie w domu.\nPozdrawiam',
  'Faktura na dane z konta, nie na firmę.',
  'Proszę dobrze zabezpieczyć – szkło!',
  'Czy da się wysłać dziś? Pilne.'
] as const

/** [name, unit price in grosze, VAT rate or null when the seller never set one, SKU or null, popularity, service kinds] */
export const CATALOGUE: readonly (readonly [string, number, string | null, string | null, number, readonly string[]])[] = [
  ['Klucz dynamometryczny 1/2" 40-210 Nm', 12949, '23.00', 'KD-12-210', 6, ['gwarancja']],
  ['Smar miedziany 100 g', 1000, null, null, 8, []],
  ['Kabel USB-C – USB-C 2 m 100W szybkie ładowanie', 3333, '23.00', 'USBC-2M-100W', 14, []],
  ['Ładowarka sieciowa 65W GaN USB-C', 8999, '23.00', 'GAN-65W', 9, ['gwarancja']],
  ['Etui silikonowe do iPhone 15 czarne', 2499, '23.00', 'ETUI-IP15-BLK', 10, ['prezent']],
  ['Szkło hartowane 9H Samsung Galaxy S24', 1999, '23.00', null, 11, []],
  ['Kawa ziarnista Arabica 100% 1 kg', 6999, '23.00', 'kawa-arab-1kg', 12, ['prezent']],
  ['Herbata zielona liściasta 250 g', 2450, '5.00', 'HERB-ZIEL-250', 5, []],
  ['Miód wielokwiatowy nektarowy 1,2 kg', 5490, '5.00', null, 6, []],
  ['Pan Tadeusz – Adam Mickiewicz (twarda oprawa)', 3490, '5.00', 'KS-PANTAD', 4, ['prezent']],
  ['Lalka – Bolesław Prus, wydanie szkolne', 2990, '5.00', 'KS-LALKA', 3, []],
  ['Suplement diety Witamina D3 2000 IU 120 kaps.', 2990, '8.00', 'D3-2000-120', 8, []],
  ['Nasiona trawy sportowej 5 kg', 11900, '8.00', 'TRAWA-5KG', 3, []],
  ['Wiertarko-wkrętarka akumulatorowa 18V 2x2Ah', 34900, '23.00', 'WKR-18V-2X2', 5, ['gwarancja', 'ubezpieczenie']],
  ['Zestaw kluczy nasadowych 94 el. w walizce', 18999, null, 'ZKN-94', 4, ['gwarancja']],
  ['Poziomica aluminiowa 60 cm', 3999, '23.00', null, 3, []],
  ['Taśma miernicza 5 m z blokadą', 1599, null, null, 5, []],
  ['Pościel bawełniana 160x200 3 el. szara', 11999, '23.00', 'POSC-160-SZ', 4, ['prezent']],
  ['Ręcznik frotte 70x140 500 g/m² granatowy', 3999, '23.00', 'RECZ-70-GR', 5, []],
  ['Patelnia granitowa Ø 28 cm indukcja', 8900, '23.00', 'PAT-GRAN-28', 6, ['prezent']],
  ['Czajnik elektryczny 1,7 l stalowy', 9999, '23.00', null, 4, ['gwarancja']],
  ['Żarówka LED E27 10W ciepła 3000K', 899, '23.00', 'LED-E27-10W', 9, []],
  ['Przedłużacz 5 gniazd 3 m z wyłącznikiem', 4999, null, 'PRZ-5G-3M', 6, []],
  ['Skarpety męskie bawełniane 10 par 43-46', 4999, '23.00', 'SKAR-10P-4346', 7, []],
  ['Koszulka polo męska granatowa L', 6667, '23.00', 'POLO-GR-L', 4, []],
  ['Bluza z kapturem damska szara M', 12999, '23.00', 'BLUZA-D-SZ-M', 4, ['prezent']],
  ['Czapka zimowa z pomponem', 3999, null, null, 3, []],
  ['Klocki konstrukcyjne 500 el. Miasto', 14999, '23.00', 'KLOCKI-500', 4, ['prezent']],
  ['Puzzle 1000 el. Tatry – Morskie Oko', 4499, '23.00', 'PUZ-1000-MO', 5, ['prezent']],
  ['Kredki ołówkowe 24 kolory', 1299, null, null, 6, []],
  ['Wycieraczki bezramkowe 600/400 mm', 5999, '23.00', 'WYC-600-400', 5, []],
  ['Płyn do spryskiwaczy zimowy -22°C 5 l', 2199, '23.00', null, 7, []],
  ['Olej silnikowy 5W-30 5 l', 15999, '23.00', 'OLEJ-5W30-5L', 5, []],
  ['Wąż ogrodowy 1/2" 30 m', 7999, null, 'WAZ-12-30', 3, []],
  ['Sekator nożycowy do gałęzi', 4999, '23.00', null, 3, []],
  ['Krem do rąk z mocznikiem 100 ml', 1001, '23.00', 'KREM-MOCZ-100', 6, []],
  ['Słuchawki bezprzewodowe ANC Bluetooth 5.3', 19900, '23.00', 'SLU-ANC-53', 5, ['gwarancja', 'ubezpieczenie']],
  ['Odkurzacz pionowy bezprzewodowy 2w1', 54900, '23.00', 'ODK-2W1', 2, ['wniesienie', 'gwarancja', 'ubezpieczenie']],
  ['Ekspres do kawy ciśnieniowy 15 bar', 129900, '23.00', 'EKS-15BAR', 1, ['wniesienie', 'gwarancja', 'ubezpieczenie']],
  ['Naklejki ozdobne na ścianę – motyle 12 szt.', 450, null, null, 4, []],
  ['Baterie AA alkaliczne 8 szt.', 1799, '23.00', 'BAT-AA-8', 8, []],
  ['Gumka recepturka 1,01 kg', 101, '23.00', 'GUM-REC', 2, []]
]

/** [kind, name, unit price in grosze] */
export const SERVICES: readonly (readonly [string, string, number])[] = [
  ['gwarancja', 'Przedłużona gwarancja 24 mies.', 3900],
  ['ubezpieczenie', 'Ubezpieczenie przesyłki', 500],
  ['prezent', 'Zapakowanie na prezent', 999],
  ['wniesienie', 'Wniesienie i montaż', 4900]
]

export interface DeliveryMethodDef {
  name: string
  costMinor: number
  cod: boolean
  pickup: 'inpost' | 'onebox' | null
  smart: boolean
  personal: boolean
}

export const PL_DELIVERY_METHODS: readonly (readonly [DeliveryMethodDef, number])[] = [
  [{ name: 'Allegro Paczkomaty InPost', costMinor: 999, cod: false, pickup: 'inpost', smart: true, personal: false }, 40],
  [{ name: 'Allegro Kurier DPD', costMinor: 1399, cod: false, pickup: null, smart: true, personal: false }, 14],
  [{ name: 'Allegro Kurier InPost', costMinor: 1299, cod: false, pickup: null, smart: true, personal: false }, 10],
  [{ name: 'Allegro One Box, DPD', costMinor: 899, cod: false, pickup: 'onebox', smart: true, personal: false }, 12],
  [{ name: 'Odbiór osobisty', costMinor: 0, cod: false, pickup: null, smart: false, personal: true }, 4]
]

export const PL_COD_DELIVERY_METHODS: readonly (readonly [DeliveryMethodDef, number])[] = [
  [{ name: 'Allegro Paczkomaty InPost pobranie', costMinor: 1499, cod: true, pickup: 'inpost', smart: false, personal: false }, 40],
  [{ name: 'Allegro Kurier DPD pobranie', costMinor: 1899, cod: true, pickup: null, smart: false, personal: false }, 30],
  [{ name: 'Odbiór osobisty – płatność przy odbiorze', costMinor: 0, cod: true, pickup: null, smart: false, personal: true }, 6]
]

export const CZ_DELIVERY_METHODS: readonly (readonly [DeliveryMethodDef, number])[] = [
  [{ name: 'Allegro Zásilkovna – výdejní místo', costMinor: 5900, cod: false, pickup: null, smart: false, personal: false }, 60],
  [{ name: 'Allegro kurýr PPL', costMinor: 9900, cod: false, pickup: null, smart: false, personal: false }, 40]
]

export const CZ_MALE_FIRST_NAMES = ['Jan', 'Petr', 'Tomáš', 'Martin', 'Pavel', 'Jiří', 'Lukáš', 'Ondřej'] as const
export const CZ_FEMALE_FIRST_NAMES = ['Jana', 'Lucie', 'Eva', 'Hana', 'Tereza', 'Kateřina', 'Petra'] as const
/** [masculine, feminine] */
export const CZ_LAST_NAMES: readonly (readonly [string, string])[] = [
  ['Novák', 'Nováková'], ['Svoboda', 'Svobodová'], ['Dvořák', 'Dvořáková'], ['Černý', 'Černá'],
  ['Procházka', 'Procházková'], ['Kučera', 'Kučerová'], ['Veselý', 'Veselá'], ['Horák', 'Horáková'],
  ['Němec', 'Němcová']
]
/** [city, postcode] */
export const CZ_CITIES: readonly (readonly [string, string])[] = [
  ['Praha', '110 00'], ['Brno', '602 00'], ['Ostrava', '702 00'], ['Plzeň', '301 00'],
  ['Olomouc', '779 00'], ['Liberec', '460 01'], ['Hradec Králové', '500 02']
]
export const CZ_STREETS = ['Vinohradská', 'Masarykova', 'Národní', 'Husova', 'Palackého', 'Nádražní'] as const

/** Values meant to break naive HTML, SQL, CSV and layout code; used by hostile orders. */
export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '<img src=x onerror=alert(1)>',
  svg: '"><svg onload=alert(1)>',
  quotes: 'O\'Brien "Kuba" `x` \\ ;',
  emoji: 'Zażółć gęślą jaźń 😀🎉👍🏽',
  rtl: 'مرحبا \u202Eabc\u202C שלום',
  sql: '\'; DROP TABLE orders; --',
  formula: '=HYPERLINK("http://example.invalid","klik")'
} as const

const LONG_UNIT = 'Bardzo długa nazwa oferty <b>z tagami</b> & "cudzysłowami" '
/** Exactly 10 000 characters. */
export const HOSTILE_LONG_NAME = LONG_UNIT.repeat(Math.ceil(10000 / LONG_UNIT.length)).slice(0, 10000)

const ASCII_FOLD: Record<string, string> = {
  ą: 'a', ć: 'c', ę: 'e', ł: 'l', ń: 'n', ó: 'o', ś: 's', ź: 'z', ż: 'z',
  á: 'a', č: 'c', ď: 'd', é: 'e', ě: 'e', í: 'i', ň: 'n', ř: 'r', š: 's', ť: 't', ú: 'u', ů: 'u', ý: 'y', ž: 'z'
}

/** Allegro logins are ASCII: fold Polish and Czech letters. */
export function asciiFold (text: string): string {
  return text.toLowerCase().replace(/[^\u0000-\u007f]/g, (ch) => ASCII_FOLD[ch] ?? '')
}
