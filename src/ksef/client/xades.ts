// The AuthTokenRequest (auth/schemy, uwierzytelnianie.md 2.1) signed as enveloped XAdES-BES
// (auth/podpis-xades.md): RSA-SHA256 over exclusive-c14n, SHA-256 digests, SignedProperties with
// SigningTime and SigningCertificate (certificate digest + issuer and serial), referenced from
// SignedInfo with the XAdES SignedProperties type.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto'
import { SignedXml } from 'xml-crypto'

const AUTH_NS = 'http://ksef.mf.gov.pl/auth/token/2.0'
const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#'
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256'
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

export function authTokenRequestXml(challenge: string, nip: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<AuthTokenRequest xmlns="${AUTH_NS}">` +
    `<Challenge>${escapeXml(challenge)}</Challenge>` +
    `<ContextIdentifier><Nip>${escapeXml(nip)}</Nip></ContextIdentifier>` +
    '<SubjectIdentifierType>certificateSubject</SubjectIdentifierType>' +
    '</AuthTokenRequest>'
  )
}

/** RFC 4514 order (most specific first) from node's one-attribute-per-line form */
function rfc4514(name: string): string {
  return name
    .split('\n')
    .filter((part) => part !== '')
    .reverse()
    .join(', ')
}

export interface SigningCredentials {
  certificatePem: string
  privateKey: KeyObject
}

/** Reads a PEM private key, encrypted with the passphrase or not. Throws on a wrong passphrase. */
export function readPrivateKey(pem: string, passphrase: string): KeyObject {
  return createPrivateKey(passphrase === '' ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase })
}

export function signAuthTokenRequest(xml: string, credentials: SigningCredentials, signingTime: Date): string {
  const cert = new X509Certificate(credentials.certificatePem)
  if (credentials.privateKey.asymmetricKeyType !== 'rsa')
    throw new Error('Only RSA keys are supported for the XAdES signature')
  const certDigest = createHash('sha256').update(cert.raw).digest('base64')
  const serial = BigInt(`0x${cert.serialNumber}`).toString(10)
  const signedProperties =
    `<xades:QualifyingProperties xmlns:xades="${XADES_NS}" Target="#Signature">` +
    '<xades:SignedProperties Id="SignedProperties">' +
    '<xades:SignedSignatureProperties>' +
    `<xades:SigningTime>${signingTime.toISOString().replace(/\.\d{3}Z$/, 'Z')}</xades:SigningTime>` +
    '<xades:SigningCertificate><xades:Cert>' +
    `<xades:CertDigest><ds:DigestMethod Algorithm="${SHA256}"/><ds:DigestValue>${certDigest}</ds:DigestValue></xades:CertDigest>` +
    `<xades:IssuerSerial><ds:X509IssuerName>${escapeXml(rfc4514(cert.issuer))}</ds:X509IssuerName><ds:X509SerialNumber>${serial}</ds:X509SerialNumber></xades:IssuerSerial>` +
    '</xades:Cert></xades:SigningCertificate>' +
    '</xades:SignedSignatureProperties>' +
    '</xades:SignedProperties>' +
    '</xades:QualifyingProperties>'
  const sig = new SignedXml({
    privateKey: credentials.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicCert: credentials.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: EXC_C14N,
    idAttribute: 'Id',
    objects: [{ content: signedProperties }]
  })
  sig.addReference({
    xpath: '/*',
    isEmptyUri: true,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', EXC_C14N],
    digestAlgorithm: SHA256
  })
  sig.addReference({
    xpath: `//*[local-name(.)='SignedProperties' and namespace-uri(.)='${XADES_NS}']`,
    transforms: [EXC_C14N],
    digestAlgorithm: SHA256,
    type: 'http://uri.etsi.org/01903#SignedProperties'
  })
  sig.computeSignature(xml, {
    prefix: 'ds',
    attrs: { Id: 'Signature' },
    location: { reference: '/*', action: 'append' }
  })
  return sig.getSignedXml()
}

export { XADES_NS }
