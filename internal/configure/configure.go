// Package configure wires the helper into git and docker, so that nobody
// has to edit their configuration by hand, and undoes exactly that:
//
//   - Git adds, to one git config file, the helper for each Prusa host,
//     scoped by URL and preceded by an empty reset entry
//     (credential.https://connect.prusa3d.com.helper = "" then "prusa"),
//     so that no other helper answers for those hosts or stores their
//     tokens (gitcredentials(7), "credential.helper": "If credential.helper
//     is configured to the empty string, this resets the helper list to
//     empty"). It edits through the real "git config" command, so git's own
//     file handling keeps everything else byte for byte.
//   - Docker adds "credHelpers" entries "<host>": "prusa" to docker's
//     config.json, keeping every other key and value, and replaces the file
//     atomically.
//   - Linker installs the git-credential-prusa and docker-credential-prusa
//     names beside the binary, which is how git and docker find a helper.
//
// Every operation is idempotent: running it twice changes nothing the
// second time, and input it cannot edit safely leaves the file untouched.
package configure

// HelperName is the helper's name in git and docker configuration: git
// runs git-credential-<name>, docker runs docker-credential-<name>.
const HelperName = "prusa"
