/**
 * Port of the local OAuth 2 callback server (`OAUTH2_PORT` overrides it): the platform's tooling and its docs
 * assume 9002, so a loopback redirect URL registered at a provider keeps working between runs.
 */
export const DEFAULT_CALLBACK_PORT = 9002;
