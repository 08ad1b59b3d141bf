// Package secretservice is the storage backend for the freedesktop.org
// Secret Service (GNOME Keyring, KWallet, KeePassXC) on Linux and the
// BSDs, spoken over the D-Bus session bus with github.com/godbus/dbus/v5.
//
// Each entry is one item of the default collection (the "default" alias,
// else the collection "login"), with the attributes
// service=prusa-credential-helper and username=<key>, so that
//
//	secret-tool lookup service prusa-credential-helper username prusa-session
//
// prints the stored session. List searches the collection by the service
// attribute: no index item is needed. Put uses CreateItem with replace, a
// single call, so another process sees the old or the new value.
//
// Nothing connects to D-Bus until Open, which never autolaunches a bus
// (see SessionBusAddress), never creates a collection and never shows an
// unlock prompt: a locked collection is a *keyring.LockedError that names
// it. Every D-Bus call is bounded by Options.Timeout.
//
// Values are stored whole (the Secret Service has no small item limit)
// unless Options.MaxItemLen asks for them to be split (package chunked).
package secretservice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/chunked"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
)

// D-Bus names of the Secret Service API
// (https://specifications.freedesktop.org/secret-service-spec/latest/).
const (
	busName      = "org.freedesktop.secrets"
	servicePath  = dbus.ObjectPath("/org/freedesktop/secrets")
	collections  = "/org/freedesktop/secrets/collection/"
	noPrompt     = dbus.ObjectPath("/")
	ifService    = "org.freedesktop.Secret.Service"
	ifCollection = "org.freedesktop.Secret.Collection"
	ifItem       = "org.freedesktop.Secret.Item"
	ifProperties = "org.freedesktop.DBus.Properties"
	errIsLocked  = "org.freedesktop.Secret.Error.IsLocked"
	errNoObject  = "org.freedesktop.Secret.Error.NoSuchObject"
	errUnknown   = "org.freedesktop.DBus.Error.ServiceUnknown"
	errNoOwner   = "org.freedesktop.DBus.Error.NameHasNoOwner"
	errNoReply   = "org.freedesktop.DBus.Error.NoReply"
	errSpawn     = "org.freedesktop.DBus.Error.Spawn."
	what         = "the Secret Service"
)

// Options says how to reach the Secret Service.
type Options struct {
	// Address is the D-Bus session bus address; "" finds it with
	// SessionBusAddress.
	Address string
	// Getenv reads the environment for SessionBusAddress; nil reads
	// nothing.
	Getenv func(string) string
	// Service is the value of the items' service attribute; ""
	// means keyring.Service.
	Service string
	// Timeout bounds every D-Bus call (and connecting); 0 means
	// keyring.DefaultTimeout.
	Timeout time.Duration
	// MaxItemLen, when positive, splits values longer than that over
	// several items (package chunked).
	MaxItemLen int
	// Collection names the collection to use (the last element of its
	// object path, such as "login"); "" means the default one.
	Collection string
	// RunningOnly makes Open fail with an UnavailableError when no
	// Secret Service is running, instead of letting D-Bus start an
	// activatable one: for probing without side effects.
	RunningOnly bool
}

// SessionBusAddress returns the address of the D-Bus session bus:
// $DBUS_SESSION_BUS_ADDRESS, else the socket $XDG_RUNTIME_DIR/bus if it
// exists. Unlike libdbus and godbus it never autolaunches a bus (which
// with dbus-x11 would start a dbus-daemon per process).
func SessionBusAddress(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return addr, nil
	}
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
		sock := path.Join(dir, "bus")
		if fi, err := os.Stat(sock); err == nil && fi.Mode().Type() == os.ModeSocket {
			return "unix:path=" + dbus.EscapeBusAddressValue(sock), nil
		}
	}
	return "", &keyring.UnavailableError{
		Store: what,
		Why:   "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist)",
		Fix:   "run inside a desktop session, or start one with dbus-run-session",
	}
}

// Store is the Secret Service backend. It holds one D-Bus connection and
// one Secret Service session until Close; it is safe for concurrent use.
type Store struct {
	mu         sync.Mutex
	conn       *dbus.Conn
	cancel     context.CancelFunc
	timeout    time.Duration
	collection dbus.ObjectPath
	session    dbus.ObjectPath
	store      backends.Store
}

// Open connects to the session bus, finds the default collection and
// checks that it is unlocked.
func Open(opts Options) (*Store, error) {
	addr := opts.Address
	if addr == "" {
		var err error
		if addr, err = SessionBusAddress(opts.Getenv); err != nil {
			return nil, err
		}
	}
	service := cmp.Or(opts.Service, keyring.Service)
	s := &Store{timeout: keyring.Timeout(opts.Timeout)}
	if err := s.connect(addr); err != nil {
		return nil, err
	}
	if err := s.open(opts.Collection, opts.RunningOnly); err != nil {
		s.Close()
		return nil, err
	}
	heads := &items{s: s, service: service, max: opts.MaxItemLen}
	s.store = heads
	if opts.MaxItemLen > 0 {
		s.store = chunked.New(heads, &items{s: s, service: service + keyring.PartsSuffix, max: opts.MaxItemLen})
	}
	return s, nil
}

func (s *Store) connect(addr string) error {
	// The connection lives as long as its context; cancelling it closes
	// the socket, which is the only way to bound authentication.
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(s.timeout, cancel)
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if !timer.Stop() {
		cancel()
		if conn != nil {
			conn.Close()
		}
		return &keyring.TimeoutError{Store: "the D-Bus session bus at " + addr, Op: "connect", After: s.timeout}
	}
	if err != nil {
		cancel()
		return &keyring.UnavailableError{Store: what, Why: "cannot connect to the D-Bus session bus at " + addr, Err: err,
			Fix: "check DBUS_SESSION_BUS_ADDRESS"}
	}
	s.conn, s.cancel = conn, cancel
	return nil
}

// Close closes the connection (and with it the Secret Service session).
func (s *Store) Close() error {
	s.cancel()
	return s.conn.Close()
}

// Collection returns the name of the collection in use, such as "login".
func (s *Store) Collection() string { return path.Base(string(s.collection)) }

func (s *Store) call(obj dbus.ObjectPath, method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	return s.conn.Object(busName, obj).CallWithContext(ctx, method, 0, args...)
}

func (s *Store) property(obj dbus.ObjectPath, iface, name string, v any) error {
	var variant dbus.Variant
	if err := s.call(obj, ifProperties+".Get", iface, name).Store(&variant); err != nil {
		return err
	}
	return dbus.Store([]any{variant.Value()}, v)
}

// open finds the collection and opens a session.
func (s *Store) open(name string, runningOnly bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	bus := s.conn.BusObject()
	var owned bool
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, busName).Store(&owned); err != nil {
		return s.mapErr("look for the service", err)
	}
	if !owned {
		if runningOnly {
			return &keyring.UnavailableError{Store: what, Why: "no Secret Service is running on the D-Bus session bus (nothing owns " + busName + ")",
				Fix: "start one (gnome-keyring-daemon, KeePassXC, KWallet) or name --backend secret-service to let D-Bus start it"}
		}
		var names []string
		if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&names); err != nil {
			return s.mapErr("look for the service", err)
		}
		if !slices.Contains(names, busName) {
			return &keyring.UnavailableError{Store: what, Why: "no Secret Service on the D-Bus session bus (nothing owns or can start " + busName + ")",
				Fix: "install and start one (gnome-keyring, KeePassXC, KWallet)"}
		}
	}

	coll, err := s.findCollection(name)
	if err != nil {
		return err
	}
	s.collection = coll
	var locked bool
	if err := s.property(coll, ifCollection, "Locked", &locked); err != nil {
		return s.mapErr("read the collection", err)
	}
	if locked {
		return s.locked(nil)
	}
	var out dbus.Variant
	if err := s.call(servicePath, ifService+".OpenSession", "plain", dbus.MakeVariant("")).Store(&out, &s.session); err != nil {
		return s.mapErr("open a session", err)
	}
	return nil
}

// findCollection returns the collection called name, or the default one:
// the "default" alias, which is where libsecret (secret-tool) stores,
// else the collection "login", the usual target of that alias. It never
// creates one.
func (s *Store) findCollection(name string) (dbus.ObjectPath, error) {
	if name == "" {
		var coll dbus.ObjectPath
		if err := s.call(servicePath, ifService+".ReadAlias", "default").Store(&coll); err != nil {
			return "", s.mapErr("find the default collection", err)
		}
		if coll != noPrompt {
			return coll, nil
		}
	}
	want := dbus.ObjectPath(path.Join(collections, cmp.Or(name, "login")))
	var all []dbus.ObjectPath
	if err := s.property(servicePath, ifService, "Collections", &all); err != nil {
		return "", s.mapErr("list the collections", err)
	}
	if slices.Contains(all, want) {
		return want, nil
	}
	if name != "" {
		return "", &keyring.UnavailableError{Store: what, Why: fmt.Sprintf("the Secret Service has no collection %q", name),
			Fix: "name an existing collection"}
	}
	return "", &keyring.UnavailableError{Store: what, Why: "the Secret Service has no default collection and no \"login\" collection",
		Fix: "create a keyring and make it the default (e.g. in Passwords and Keys)"}
}

func (s *Store) locked(err error) error {
	return &keyring.LockedError{
		Store: fmt.Sprintf("the Secret Service collection %q", s.Collection()),
		Fix:   "unlock it (log in to the desktop session, or unlock the keyring in Passwords and Keys)",
		Err:   err,
	}
}

// mapErr turns a D-Bus failure into a typed error that names the fix.
func (s *Store) mapErr(op string, err error) error {
	var de dbus.Error
	errors.As(err, &de) // de.Name stays "" for an error that is not from D-Bus
	switch {
	case errors.Is(err, context.DeadlineExceeded) || de.Name == errNoReply:
		return &keyring.TimeoutError{Store: what, Op: op, After: s.timeout}
	case de.Name == errIsLocked:
		return s.locked(nil)
	case de.Name == errUnknown || de.Name == errNoOwner || strings.HasPrefix(de.Name, errSpawn):
		return &keyring.UnavailableError{Store: what, Why: "no Secret Service on the D-Bus session bus", Err: err,
			Fix: "install and start one (gnome-keyring, KeePassXC, KWallet)"}
	case de.Name == errNoObject:
		return fmt.Errorf("%s: %s: the collection %q went away: %w", what, op, s.Collection(), err)
	}
	return fmt.Errorf("%s: %s: %w", what, op, err)
}

// Get returns the value stored under key.
func (s *Store) Get(key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Get(key)
}

// Put stores value under key, replacing the item in one call.
func (s *Store) Put(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Put(key, value)
}

// Delete removes every item stored under key.
func (s *Store) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.Delete(key)
}

// List returns the keys that start with prefix, sorted, without the
// session: a search by the service attribute.
func (s *Store) List(prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.List(prefix)
}

// secret is the Secret Service's Secret struct, (oayays).
type secret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// items is one namespace of items (one service attribute) in the
// collection: the entries, or the parts of split values.
type items struct {
	s       *Store
	service string
	max     int
}

func (it *items) MaxLen(string) int { return it.max }

func (it *items) search(attrs map[string]string) ([]dbus.ObjectPath, error) {
	var found []dbus.ObjectPath
	if err := it.s.call(it.s.collection, ifCollection+".SearchItems", attrs).Store(&found); err != nil {
		return nil, it.s.mapErr("search", err)
	}
	return found, nil
}

func (it *items) find(key string) ([]dbus.ObjectPath, error) {
	if err := keyring.CheckKey(what, key, 0); err != nil {
		return nil, err
	}
	found, err := it.search(map[string]string{"service": it.service, "username": key})
	if err == nil && len(found) == 0 {
		err = fmt.Errorf("%s: %q: %w", what, key, backends.ErrNotFound)
	}
	return found, err
}

func (it *items) Get(key string) (string, error) {
	found, err := it.find(key)
	if err != nil {
		return "", err
	}
	var sec secret
	if err := it.s.call(found[0], ifItem+".GetSecret", it.s.session).Store(&sec); err != nil {
		return "", it.s.mapErr("read "+key, err)
	}
	return string(sec.Value), nil
}

func (it *items) Put(key, value string) error {
	if err := keyring.CheckKey(what, key, 0); err != nil {
		return err
	}
	attrs := map[string]string{"service": it.service, "username": key}
	props := map[string]dbus.Variant{
		ifItem + ".Label":      dbus.MakeVariant(it.service + ": " + key),
		ifItem + ".Attributes": dbus.MakeVariant(attrs),
	}
	sec := secret{Session: it.s.session, Parameters: []byte{}, Value: []byte(value), ContentType: "text/plain"}
	var item, prompt dbus.ObjectPath
	if err := it.s.call(it.s.collection, ifCollection+".CreateItem", props, sec, true).Store(&item, &prompt); err != nil {
		return it.s.mapErr("store "+key, err)
	}
	if prompt != noPrompt {
		return it.s.locked(errors.New("storing needs an unlock prompt"))
	}
	// Another program may have made items with the same attributes;
	// replace updated one of them, the rest would shadow it.
	found, err := it.search(attrs)
	if err != nil {
		return err
	}
	return it.delete(slices.DeleteFunc(found, func(p dbus.ObjectPath) bool { return p == item }), key)
}

// delete deletes the items found under key.
func (it *items) delete(found []dbus.ObjectPath, key string) error {
	for _, p := range found {
		var prompt dbus.ObjectPath
		if err := it.s.call(p, ifItem+".Delete").Store(&prompt); err != nil {
			return it.s.mapErr("delete "+key, err)
		}
		if prompt != noPrompt {
			return it.s.locked(errors.New("deleting needs an unlock prompt"))
		}
	}
	return nil
}

func (it *items) Delete(key string) error {
	found, err := it.find(key)
	if err != nil {
		return err
	}
	return it.delete(found, key)
}

func (it *items) List(prefix string) ([]string, error) {
	found, err := it.search(map[string]string{"service": it.service})
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, p := range found {
		var attrs map[string]string
		if err := it.s.property(p, ifItem, "Attributes", &attrs); err != nil {
			return nil, it.s.mapErr("list", err)
		}
		if k, ok := attrs["username"]; ok && attrs["service"] == it.service {
			keys = append(keys, k)
		}
	}
	return keyring.ListKeys(keys, prefix), nil
}
