import { readFile } from 'node:fs/promises';
import { DOMParser } from '@xmldom/xmldom';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

/** What the registry needs from an IdP's metadata. */
export interface IdpMetadata {
  entityId: string;
  /** SingleSignOnService, HTTP-Redirect binding. */
  ssoUrl: string;
  /** SingleLogoutService (Redirect binding), if the IdP offers one. */
  sloUrl: string | null;
  /** Signing certificates, base64 DER (what node-saml takes as idpCert). */
  certs: string[];
}

/** Reads metadata from a file path or an http(s) URL. */
export async function loadIdpMetadata(source: string, timeoutMs = 10_000): Promise<IdpMetadata> {
  let xml: string;
  if (/^https?:\/\//i.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' }).catch((err) => {
      throw new Error(`IdP metadata ${source}: ${(err as Error).message}`);
    });
    if (!res.ok) throw new Error(`IdP metadata ${source}: HTTP ${res.status}`);
    xml = await res.text();
  } else {
    xml = await readFile(source, 'utf8').catch((err) => {
      throw new Error(`IdP metadata ${source}: ${(err as Error).message}`);
    });
  }
  return parseIdpMetadata(xml, source);
}

/** Parses an EntityDescriptor (or the first IdP in an EntitiesDescriptor). */
export function parseIdpMetadata(xml: string, source = 'metadata'): IdpMetadata {
  const problems: string[] = [];
  const doc = new DOMParser({
    onError: (level: string, msg: string) => {
      if (level !== 'warning') problems.push(msg);
    },
  } as never).parseFromString(xml, 'text/xml');
  if (problems.length > 0 || !doc?.documentElement) throw new Error(`IdP metadata ${source}: not XML (${problems[0]})`);
  const idpDescriptors = Array.from(doc.getElementsByTagNameNS(MD, 'IDPSSODescriptor'));
  const idp = idpDescriptors[0];
  if (!idp) throw new Error(`IdP metadata ${source}: no IDPSSODescriptor`);
  const entity = idp.parentNode as unknown as Element;
  const entityId = entity?.getAttribute?.('entityID');
  if (!entityId) throw new Error(`IdP metadata ${source}: the EntityDescriptor has no entityID`);
  const service = (name: string, bindings: string[]) => {
    const nodes = Array.from(idp.getElementsByTagNameNS(MD, name));
    for (const binding of bindings) {
      const node = nodes.find((n) => n.getAttribute('Binding') === binding);
      if (node?.getAttribute('Location')) return node.getAttribute('Location');
    }
    return null;
  };
  const ssoUrl = service('SingleSignOnService', [REDIRECT]);
  if (!ssoUrl) throw new Error(`IdP metadata ${source}: no SingleSignOnService with the HTTP-Redirect binding`);
  const certs: string[] = [];
  for (const key of Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))) {
    const use = key.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const cert of Array.from(key.getElementsByTagNameNS(DS, 'X509Certificate'))) {
      const text = (cert.textContent ?? '').replace(/\s+/g, '');
      if (text && !certs.includes(text)) certs.push(text);
    }
  }
  if (certs.length === 0) throw new Error(`IdP metadata ${source}: no signing certificate`);
  return { entityId, ssoUrl, sloUrl: service('SingleLogoutService', [REDIRECT, POST]), certs };
}
