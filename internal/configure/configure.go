// Package configure wires the helper into git and docker, so that nobody
// has to edit their configuration by hand, and undoes exactly that: Git
// edits one git config file through the real "git config" command, so
// git's own file handling keeps everything else byte for byte; Docker
// edits the credHelpers of docker's config.json, keeping every other key
// and value; Linker installs the git-credential-prusa and
// docker-credential-prusa names beside the binary, which is how git and
// docker find a helper.
//
// Every operation is idempotent: running it twice changes nothing the
// second time, and input it cannot edit safely leaves the file untouched.
package configure

// HelperName is the helper's name in git and docker configuration: git
// runs git-credential-<name>, docker runs docker-credential-<name>.
const HelperName = "prusa"
