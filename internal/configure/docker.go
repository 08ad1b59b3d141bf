package configure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// DockerConfigPath returns docker's config.json: in $DOCKER_CONFIG when it
// is set, else in .docker in the home directory (%USERPROFILE% on
// Windows), as the docker CLI finds it.
func DockerConfigPath(getenv func(string) string, goos string) (string, error) {
	if dir := getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json"), nil
	}
	homeVar := "HOME"
	if goos == "windows" {
		homeVar = "USERPROFILE"
	}
	home := getenv(homeVar)
	if home == "" {
		return "", fmt.Errorf("cannot find docker's config.json: neither $DOCKER_CONFIG nor $%s is set", homeVar)
	}
	return filepath.Join(home, ".docker", "config.json"), nil
}

// Docker edits the "credHelpers" of docker's config.json.
type Docker struct {
	// Path is config.json; see DockerConfigPath.
	Path string
	// Hosts are the Prusa hosts (helper.Hosts.Names).
	Hosts []string
}

// InvalidConfigError reports a config.json that cannot be edited safely.
// The file is left as it is.
type InvalidConfigError struct {
	Path string
	Err  error
}

func (e *InvalidConfigError) Error() string {
	return fmt.Sprintf("%s: %v; it was left untouched", e.Path, e.Err)
}

func (e *InvalidConfigError) Unwrap() error { return e.Err }

// Hint names the fix.
func (e *InvalidConfigError) Hint() string {
	return "fix the file (docker cannot read it either) or move it aside, then run the command again"
}

// Configure adds "credHelpers": {"<host>": "prusa"} for each host that
// lacks it, keeping every other key and value in order. Only when
// something changes is the file rewritten, with docker's indentation,
// atomically (atomicfile) and with the old file's mode (0600 when new).
// A host that credHelpers gives to another helper is an error, and then
// nothing is written.
func (d *Docker) Configure() (Result, error) {
	res := Result{File: d.Path}
	doc, helpers, err := d.load()
	if err != nil {
		return res, err
	}
	var conflicts []string
	for _, host := range d.Hosts {
		switch i := helpers.index(host); {
		case i < 0:
			helpers = append(helpers, member{key: host, value: json.RawMessage(`"` + HelperName + `"`)})
			res.Changed = append(res.Changed, host)
		case isPrusa(helpers[i].value):
			res.Unchanged = append(res.Unchanged, host)
		default:
			var v bytes.Buffer
			json.Compact(&v, helpers[i].value) // valid: it was decoded
			conflicts = append(conflicts, fmt.Sprintf("%q: %s", host, v.String()))
		}
	}
	if len(conflicts) > 0 {
		return Result{}, hint.With(fmt.Errorf("%s: credHelpers already gives Prusa hosts to other helpers: %s; it was left untouched", d.Path, strings.Join(conflicts, ", ")),
			"remove those entries from credHelpers (or set them to \""+HelperName+"\"), then run the command again")
	}
	if len(res.Changed) == 0 {
		return res, nil
	}
	return res, d.save(doc, helpers)
}

// Unconfigure removes the credHelpers entries of the hosts whose value is
// "prusa", and credHelpers itself when that leaves it empty. Everything
// else is kept.
func (d *Docker) Unconfigure() (Result, error) {
	res := Result{File: d.Path}
	doc, helpers, err := d.load()
	if err != nil {
		return res, err
	}
	for _, host := range d.Hosts {
		i := helpers.index(host)
		if i < 0 || !isPrusa(helpers[i].value) {
			res.Unchanged = append(res.Unchanged, host)
			continue
		}
		helpers = slices.Delete(helpers, i, i+1)
		res.Changed = append(res.Changed, host)
	}
	if len(res.Changed) == 0 {
		return res, nil
	}
	return res, d.save(doc, helpers)
}

// DockerHelpers reads the credHelpers of config.json at path: host to
// helper name (entries whose value is not a string are left out). A
// missing file has none.
func DockerHelpers(path string) (map[string]string, error) {
	_, helpers, err := (&Docker{Path: path}).load()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, h := range helpers {
		var s string
		if json.Unmarshal(h.value, &s) == nil {
			m[h.key] = s
		}
	}
	return m, nil
}

// load reads config.json as an ordered object and its credHelpers. A
// missing or blank file is an empty object, as docker reads it.
func (d *Docker) load() (object, object, error) {
	data, err := os.ReadFile(d.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, nil
	}
	doc, err := decodeObject(data)
	if err != nil {
		return nil, nil, &InvalidConfigError{Path: d.Path, Err: err}
	}
	i := doc.index("credHelpers")
	if i >= 0 && doc[i+1:].index("credHelpers") >= 0 {
		return nil, nil, &InvalidConfigError{Path: d.Path, Err: errors.New(`"credHelpers" appears more than once`)}
	}
	if i < 0 || string(doc[i].value) == "null" { // values are decoded without the blanks around them
		return doc, nil, nil
	}
	helpers, err := decodeObject(doc[i].value)
	if err != nil {
		return nil, nil, &InvalidConfigError{Path: d.Path, Err: fmt.Errorf(`"credHelpers": %w`, err)}
	}
	return doc, helpers, nil
}

// save writes doc with helpers as its credHelpers (none: no credHelpers).
func (d *Docker) save(doc, helpers object) error {
	i := doc.index("credHelpers")
	switch {
	case len(helpers) == 0 && i >= 0:
		doc = slices.Delete(doc, i, i+1)
	case len(helpers) > 0 && i >= 0:
		doc[i].value = helpers.encode()
	case len(helpers) > 0:
		doc = append(doc, member{key: "credHelpers", value: helpers.encode()})
	}
	var out bytes.Buffer
	json.Indent(&out, doc.encode(), "", "\t") // valid: keys and decoded values
	out.WriteByte('\n')
	// A symbolic link is followed, so that a config file kept elsewhere
	// (dotfiles) stays where it is.
	path := d.Path
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	mode := fs.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	return atomicfile.Write(path, out.Bytes(), mode)
}

// member is one key and its value, as written.
type member struct {
	key   string
	value json.RawMessage
}

// object is a JSON object that keeps its keys in order and its values as
// written.
type object []member

func (o object) index(key string) int {
	return slices.IndexFunc(o, func(m member) bool { return m.key == key })
}

// isPrusa reports whether a credHelpers value is "prusa".
func isPrusa(raw json.RawMessage) bool {
	var s string
	return json.Unmarshal(raw, &s) == nil && s == HelperName
}

// decodeObject reads a JSON object, keeping the order of its keys and
// each value as written.
func decodeObject(data []byte) (object, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, errors.New("not a JSON object")
	}
	// Unmarshal accepted data as one object and nothing after it, so
	// walking its tokens cannot fail.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.Token() // {
	o := object{}
	for dec.More() {
		key, _ := dec.Token()
		var raw json.RawMessage
		dec.Decode(&raw)
		o = append(o, member{key: key.(string), value: raw})
	}
	return o, nil
}

// encode writes the object with its values as they were written and its
// keys without HTML escaping. The newline the encoder puts after each key
// is whitespace that save's json.Indent drops.
func (o object) encode() json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		enc.Encode(m.key) // a string always encodes
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}
