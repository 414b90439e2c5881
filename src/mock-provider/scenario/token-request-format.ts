import type { ErrorCondition, ProviderShapeQuirks } from './dimensions.js';
import { jsonBodyToForm, InvalidRequestError } from './quirks.js';

export interface TokenRequestRefusal {
  condition: ErrorCondition;
  error: string;
  description: string;
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim());
}

/**
 * The token request's body format (`quirks.tokenRequestFormats`) and client authentication (`quirks.clientAuth`)
 * checked the provider's way: an accepted JSON body becomes the form the engine reads; a format or
 * authentication the provider refuses is a refusal to answer in its error style.
 */
export function checkTokenRequest(
  quirks: ProviderShapeQuirks & { jsonTokenRequests?: boolean },
  request: { contentType: string | undefined; authorization: string | undefined; body: Buffer },
): { body: Buffer; converted: boolean } | TokenRequestRefusal {
  const formats = quirks.tokenRequestFormats ?? (quirks.jsonTokenRequests === true ? ['form', 'json'] : ['form']);
  let body = request.body;
  let converted = false;
  if (isJson(request.contentType)) {
    if (!formats.includes('json')) {
      return { condition: 'unsupportedFormat', error: 'invalid_request', description: "The request body must contain the following parameter: 'grant_type'." };
    }
    try {
      body = Buffer.from(jsonBodyToForm(body.toString('utf8')));
      converted = true;
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      return { condition: 'badRequest', error: 'invalid_request', description: error.message };
    }
  } else if (!formats.includes('form')) {
    return { condition: 'unsupportedFormat', error: 'invalid_request', description: 'The token request body must be JSON.' };
  }
  const auth = quirks.clientAuth ?? 'either';
  const basic = request.authorization !== undefined && /^basic\s/i.test(request.authorization);
  const inBody = new URLSearchParams(body.toString('utf8')).has('client_secret');
  if (auth === 'basic' && !basic && inBody) {
    return { condition: 'badClient', error: 'invalid_client', description: 'Client authentication must use HTTP Basic.' };
  }
  if (auth === 'body' && basic && !inBody) {
    return { condition: 'badClient', error: 'invalid_client', description: 'Client credentials must be sent in the request body.' };
  }
  return { body, converted };
}
