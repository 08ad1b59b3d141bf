// Package pkce logs a user in to Prusa Account and keeps the session
// fresh, for programs that talk to Prusa Connect.
//
// Prusa Connect is a public OAuth 2.0 client (RFC 6749) of Prusa Account,
// using the authorization code grant with PKCE (RFC 7636) through
// golang.org/x/oauth2. [Client.Login] fills in the HTML login and 2FA
// forms as a browser would; [Client.StartWebLogin] lets the user's own
// browser sign in where only it can (passkeys, CAPTCHAs, accounts without
// a password); [Client.Refresh] trades a refresh token for a new set. A
// [TokenSet] is the session as the Prusa Connect Python SDK stores it;
// expiries and identity come from its JWT claims, read but not verified.
//
// Nothing here retries, sleeps or prints: [Retryable] tells a caller what
// is worth another try; secrets redact themselves when printed or logged,
// and no error contains a token, password, 2FA code or page body.
package pkce
