// Package pkce logs a user in to Prusa Account and keeps the session
// fresh, for programs that talk to Prusa Connect.
//
// Prusa Connect is a public OAuth 2.0 client of Prusa Account (RFC 6749):
// no client secret, the authorization code grant protected by PKCE
// (RFC 7636), token requests through golang.org/x/oauth2. [Client.Login]
// does that grant as a browser would, filling in the HTML login and 2FA
// forms. Where only a real browser gets through (accounts without a
// password, passkeys, CAPTCHAs), [Client.StartWebLogin] gives the address
// to open and redeems the code the user brings back. [Client.Refresh]
// trades a refresh token for a new set.
//
// A [TokenSet] is the session in the JSON form the Prusa Connect Python
// SDK stores, so that both can share one file. Expiries and identity come
// from the tokens' JWT claims, which this package reads but does not
// verify (the server does).
//
// Nothing here retries, sleeps or prints: [Retryable] tells a caller what
// is worth another try; secrets redact themselves when printed or logged,
// and no error contains a token, password, 2FA code or page body.
package pkce
