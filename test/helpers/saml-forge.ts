import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';

/**
 * Responses we craft and sign ourselves, for the attack tests: an IdP of our own (a key and a
 * certificate from openssl) that the registry trusts by metadata, and variations of its
 * responses that must all be refused.
 */
export function idpMetadataXml(entityId: string, ssoUrl: string, certPem: string): string {
  const b64 = certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

/** The ID of the AuthnRequest in a Redirect-binding Location. */
export function requestIdFrom(location: string): string {
  const param = new URL(location).searchParams.get('SAMLRequest');
  if (!param) throw new Error(`no SAMLRequest in ${location}`);
  const xml = inflateRawSync(Buffer.from(param, 'base64')).toString('utf8');
  return /\sID="([^"]+)"/.exec(xml)![1]!;
}

export interface ResponseParts {
  issuer: string;
  audience: string;
  acsUrl: string;
  inResponseTo: string | null;
  destination?: string | null;
  recipient?: string;
  attributes: Record<string, string[]>;
  notBefore?: Date;
  notOnOrAfter?: Date;
  assertionId?: string;
  nameId?: string;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export function assertionXml(p: ResponseParts): string {
  const now = new Date();
  const notBefore = p.notBefore ?? new Date(now.getTime() - 30_000);
  const notOnOrAfter = p.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000);
  const id = p.assertionId ?? `_a${randomBytes(16).toString('hex')}`;
  const irt = p.inResponseTo ? ` InResponseTo="${p.inResponseTo}"` : '';
  const attrs = Object.entries(p.attributes)
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values
          .map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`)
          .join('')}</saml:Attribute>`,
    )
    .join('');
  return `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="${id}" Version="2.0" IssueInstant="${iso(now)}"><saml:Issuer>${esc(p.issuer)}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">${p.nameId ?? `_n${randomBytes(8).toString('hex')}`}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(notOnOrAfter)}" Recipient="${esc(p.recipient ?? p.acsUrl)}"${irt}/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${iso(notBefore)}" NotOnOrAfter="${iso(notOnOrAfter)}"><saml:AudienceRestriction><saml:Audience>${esc(p.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="_s${randomBytes(8).toString('hex')}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>${attrs}</saml:AttributeStatement></saml:Assertion>`;
}

/** Signs the (first) Assertion in `xml`, enveloped, the signature right after its Issuer. */
export function signAssertion(xml: string, keyPem: string, certPem: string): string {
  const sig = new SignedXml({
    privateKey: keyPem,
    publicCert: certPem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
  });
  return sig.getSignedXml();
}

export function responseXml(p: ResponseParts, assertion: string): string {
  const irt = p.inResponseTo ? ` InResponseTo="${p.inResponseTo}"` : '';
  const dest = p.destination === null ? '' : ` Destination="${esc(p.destination ?? p.acsUrl)}"`;
  return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${iso(new Date())}"${dest}${irt}><saml:Issuer>${esc(p.issuer)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${assertion}</samlp:Response>`;
}

/** A complete signed response, base64 as the POST binding carries it. */
export function forgeResponse(p: ResponseParts, key: { keyPem: string; certPem: string } | null): string {
  const assertion = key ? signAssertion(assertionXml(p), key.keyPem, key.certPem) : assertionXml(p);
  return Buffer.from(responseXml(p, assertion)).toString('base64');
}
