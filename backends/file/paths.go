package file

import (
	"cmp"
	"errors"
	"path/filepath"
)

// AppDir is the name of the helper's own directory inside the user's
// config directory (os.UserConfigDir): the other hosts' credentials, the
// lock files, the notices and the settings.
const AppDir = "prusa-credential-helper"

// OldAppDir is the directory that earlier versions of the helper used for
// everything, the session included (tokens.json): the path the Python
// SDK's documentation names, which its code never reads. What is found
// there is carried forward (see Options.OldDir and Options.OldTokensFile).
const OldAppDir = "prusa-connect-sdk-client"

// DefaultOptions returns where the file backend keeps its files on the
// operating system goos (a runtime.GOOS value), reading the environment
// through getenv so that callers and tests decide what it sees: Dir and
// OldDir in os.UserConfigDir, and the Python SDK's TokensFile
// (SDKTokensFile).
func DefaultOptions(getenv func(string) string, goos string) (Options, error) {
	config, err := userConfigDir(getenv, goos)
	if err != nil {
		return Options{}, err
	}
	tokens, err := SDKTokensFile(getenv, goos)
	if err != nil {
		return Options{}, err
	}
	old := filepath.Join(config, OldAppDir)
	return Options{
		Dir:           filepath.Join(config, AppDir),
		TokensFile:    tokens,
		OldDir:        old,
		OldTokensFile: filepath.Join(old, tokensName),
	}, nil
}

// HelperDir is the Dir of DefaultOptions, for what needs no session file
// (locks, notices, settings); "" when there is no config directory.
func HelperDir(getenv func(string) string, goos string) string {
	config, err := userConfigDir(getenv, goos)
	if err != nil {
		return ""
	}
	return filepath.Join(config, AppDir)
}

// SDKTokensFile is the file in which the Python SDK
// (prusa-connect-sdk-client 1.0) reads and writes its session on goos:
// platformdirs.user_config_dir(appname="prusa-connect", appauthor="Prusa")
// / "prusa_tokens.json", with roaming off:
//
//   - Linux and the other Unix systems: $XDG_CONFIG_HOME, else
//     ~/.config, then prusa-connect/prusa_tokens.json;
//   - macOS: ~/Library/Application Support/prusa-connect/prusa_tokens.json;
//   - Windows: %LOCALAPPDATA%\Prusa\prusa-connect\prusa_tokens.json: the
//     local, not the roaming, application data (os.UserConfigDir is
//     %AppData%, the roaming one), with the author directory.
func SDKTokensFile(getenv func(string) string, goos string) (string, error) {
	if goos == "windows" {
		return under(getenv("LOCALAPPDATA"), "%LOCALAPPDATA%", "Prusa", "prusa-connect", "prusa_tokens.json")
	}
	// On macOS and the Unix systems platformdirs' config directory is
	// the one os.UserConfigDir computes.
	config, err := userConfigDir(getenv, goos)
	if err != nil {
		return "", err
	}
	return filepath.Join(config, "prusa-connect", "prusa_tokens.json"), nil
}

// userConfigDir follows os.UserConfigDir, with the environment injected.
func userConfigDir(getenv func(string) string, goos string) (string, error) {
	switch goos {
	case "windows":
		return under(cmp.Or(getenv("AppData"), getenv("APPDATA")), "%AppData%")
	case "darwin", "ios":
		return under(getenv("HOME"), "$HOME", "Library", "Application Support")
	case "plan9":
		return under(getenv("home"), "$home", "lib")
	}
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" {
		if !filepath.IsAbs(dir) {
			return "", errors.New("path in $XDG_CONFIG_HOME is relative")
		}
		return dir, nil
	}
	if getenv("HOME") == "" {
		return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined")
	}
	return filepath.Join(getenv("HOME"), ".config"), nil
}

// under joins elem to dir, the value of the environment variable called
// name, which must be set.
func under(dir, name string, elem ...string) (string, error) {
	if dir == "" {
		return "", errors.New(name + " is not defined")
	}
	return filepath.Join(append([]string{dir}, elem...)...), nil
}
