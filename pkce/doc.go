// Package pkce logs a user in to Prusa Account and keeps the session
// fresh, for programs that talk to Prusa Connect.
//
// Prusa Account is an OAuth 2.0 server (RFC 6749). Prusa Connect is a
// public client of it: no client secret, the authorization code grant
// protected by PKCE (RFC 7636). [Client.Login] does that grant the way a
// browser would, since a command-line program has no browser: it opens
// the authorization endpoint, fills in the HTML login form with the email
// and password, fills in the 2FA form when the account has one (asking
// the caller for the code only then), stops at the redirect to the
// redirect URI and exchanges the code for tokens. [Client.Refresh] trades
// a refresh token for a new set. Token requests go through
// golang.org/x/oauth2, sending the client id in the request body.
//
// A [TokenSet] is the session in the JSON form the Prusa Connect Python
// SDK stores, so that both can share one file. Expiries and identity come
// from the tokens' JWT claims, which this package reads but does not
// verify (the server does).
//
// Nothing here retries or sleeps: rate limits and server errors come back
// as [*RateLimitError] and [*ServerError], and [Retryable] tells a caller
// what is worth another try. Nothing here prints either: [TokenSet] and
// [LoginInput] redact themselves when printed or logged, and no error
// contains a token, password, 2FA code or page body.
//
// If Prusa Account puts a CAPTCHA in front of the login, or changes the
// login pages, Login fails with [*UnexpectedPageError]. Accounts without a
// password (made with Google, Apple or Facebook), passkeys and CAPTCHAs
// need the user's own browser: [Client.StartWebLogin] gives the address
// to open and redeems the code the user brings back ([WebLogin]). A token
// set exported from a browser login also works with [ParseTokenSet] and
// [Client.Refresh].
package pkce
