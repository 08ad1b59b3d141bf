package file

import (
	"errors"
	"path/filepath"
)

// AppDir is the name of this helper's directory inside the user's config
// directory. It is the Python SDK's documented place, so both tools find
// the same session.
const AppDir = "prusa-connect-sdk-client"

// DefaultOptions returns where the file backend keeps its files on the
// operating system goos (a runtime.GOOS value), reading the environment
// through getenv instead of the process environment so that callers and
// tests decide what it sees.
//
// The directory is os.UserConfigDir()/prusa-connect-sdk-client, computed
// by the same rules as os.UserConfigDir. LegacyTokensFile is where the
// Python SDK 1.0 really writes its session: Python platformdirs'
// user_config_dir for app "prusa-connect", author "Prusa".
func DefaultOptions(getenv func(string) string, goos string) (Options, error) {
	config, err := userConfigDir(getenv, goos)
	if err != nil {
		return Options{}, err
	}
	opts := Options{Dir: filepath.Join(config, AppDir)}
	switch goos {
	case "windows":
		// platformdirs puts the non-roaming config directory in
		// %LOCALAPPDATA%\<author>\<app>.
		if local := getenv("LOCALAPPDATA"); local != "" {
			opts.LegacyTokensFile = filepath.Join(local, "Prusa", "prusa-connect", "prusa_tokens.json")
		}
	default:
		opts.LegacyTokensFile = filepath.Join(config, "prusa-connect", "prusa_tokens.json")
	}
	return opts, nil
}

// userConfigDir follows os.UserConfigDir, with the environment injected.
func userConfigDir(getenv func(string) string, goos string) (string, error) {
	switch goos {
	case "windows":
		dir := getenv("AppData")
		if dir == "" {
			dir = getenv("APPDATA")
		}
		if dir == "" {
			return "", errors.New("%AppData% is not defined")
		}
		return dir, nil
	case "darwin", "ios":
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("$HOME is not defined")
		}
		return filepath.Join(home, "Library", "Application Support"), nil
	case "plan9":
		home := getenv("home")
		if home == "" {
			return "", errors.New("$home is not defined")
		}
		return filepath.Join(home, "lib"), nil
	default:
		dir := getenv("XDG_CONFIG_HOME")
		if dir == "" {
			home := getenv("HOME")
			if home == "" {
				return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined")
			}
			return filepath.Join(home, ".config"), nil
		}
		if !filepath.IsAbs(dir) {
			return "", errors.New("path in $XDG_CONFIG_HOME is relative")
		}
		return dir, nil
	}
}
