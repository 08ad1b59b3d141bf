//go:build bench_oauth2 || bench_all

package main

import (
	"context"

	"golang.org/x/oauth2"
)

var _ = link(func() {
	cfg := &oauth2.Config{ClientID: "id", Endpoint: oauth2.Endpoint{TokenURL: "http://127.0.0.1/o/token/"}}
	v := oauth2.GenerateVerifier()
	cfg.AuthCodeURL("state", oauth2.S256ChallengeOption(v))
	cfg.Exchange(context.Background(), "code", oauth2.VerifierOption(v))
	cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: "r"}).Token()
})
