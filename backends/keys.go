package backends

import (
	"net/url"
	"strings"
)

// The keys under which the protocol layer (package helper) keeps other
// hosts' credentials, declared here once because the file backend groups
// them into one file per git host or docker registry. Each part is
// path-escaped, so "/" never appears inside one and every key splits back
// uniquely:
//
//	git/<protocol>/<host>/<path>/<username>
//	docker/<server URL>
//
// A key's kind is its first segment: git, docker, or other for the rest.
const (
	KindGit      = "git"
	KindDocker   = "docker"
	KindOther    = "other"
	GitPrefix    = KindGit + "/"
	DockerPrefix = KindDocker + "/"
)

// GitHostPrefix returns the prefix of every git key of protocol and host.
func GitHostPrefix(protocol, host string) string {
	return GitPrefix + url.PathEscape(protocol) + "/" + url.PathEscape(host) + "/"
}

// GitKey returns the key of a git credential.
func GitKey(protocol, host, path, username string) string {
	return GitHostPrefix(protocol, host) + url.PathEscape(path) + "/" + url.PathEscape(username)
}

// ParseGitKey returns the path and username of a key that starts with
// GitHostPrefix(protocol, host), and false for any other key.
func ParseGitKey(key, protocol, host string) (path, username string, ok bool) {
	rest, ok := strings.CutPrefix(key, GitHostPrefix(protocol, host))
	p, u, ok2 := strings.Cut(rest, "/")
	path, err1 := url.PathUnescape(p)
	username, err2 := url.PathUnescape(u)
	return path, username, ok && ok2 && err1 == nil && err2 == nil
}

// DockerKey returns the key of a docker credential.
func DockerKey(serverURL string) string { return DockerPrefix + url.PathEscape(serverURL) }

// ParseDockerKey returns the server URL of a docker key, and false for
// any other key.
func ParseDockerKey(key string) (serverURL string, ok bool) {
	rest, ok := strings.CutPrefix(key, DockerPrefix)
	serverURL, err := url.PathUnescape(rest)
	return serverURL, ok && err == nil
}

// KeyScope returns the kind of a key, or of a prefix of keys, and how many
// of its leading "/"-separated segments name its host or registry:
// git/<protocol>/<host>, docker/<server URL>, or for any other key its
// first segment.
func KeyScope(key string) (segments int, kind string) {
	switch {
	case strings.HasPrefix(key, GitPrefix):
		return 3, KindGit
	case strings.HasPrefix(key, DockerPrefix):
		return 2, KindDocker
	}
	return 1, KindOther
}
