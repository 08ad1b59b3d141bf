package settingsfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, data string
		want       []Setting
		wantLine   int // the line of the error; 0 for none
	}{
		{"empty", "", nil, 0},
		{"comments and blanks", "# a comment\n\n   # another\n", nil, 0},
		{"one", "backend = secret-service\n", []Setting{{Backend, "secret-service", 1}}, 0},
		{"blanks around", "\n  backend=file  \n", []Setting{{Backend, "file", 2}}, 0},
		{"crlf", "# c\r\nbackend = file\r\n", []Setting{{Backend, "file", 2}}, 0},
		{"no equals", "# c\nbackend secret-service\n", nil, 2},
		{"unknown key", "backend = file\ncolour = blue\n", nil, 2},
		{"empty value", "backend =\n", nil, 1},
		{"twice", "backend = file\n\nbackend = auto\n", nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("/cfg/settings", []byte(tt.data))
			if tt.wantLine != 0 {
				var pe *Error
				if !errors.As(err, &pe) || pe.Line != tt.wantLine || pe.Path != "/cfg/settings" {
					t.Fatalf("Parse(%q) = %v, want an error on line %d", tt.data, err, tt.wantLine)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tt.data, err)
			}
			if diff := cmp.Diff(tt.want, f.Settings); diff != "" {
				t.Errorf("Parse(%q) settings (-want +got):\n%s", tt.data, diff)
			}
		})
	}
}

func TestSet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prusa-credential-helper", Name)
	if err := Set(path, Backend, "secret-service"); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := f.Get(Backend); !ok || s.Value != "secret-service" {
		t.Errorf("after Set: Get(backend) = %v, %v", s, ok)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode of a new settings file: %v, %v; want 0600", fi.Mode(), err)
		}
	}
	// A second Set replaces the line and keeps the user's comments.
	if err := os.WriteFile(path, []byte("# mine\nbackend = file\n# end\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Set(path, Backend, "auto"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "# mine\nbackend = auto\n# end\n" {
		t.Errorf("after a second Set the file is %q", data)
	}
	// A file that does not parse is left alone.
	if err := os.WriteFile(path, []byte("backend\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var pe *Error
	if err := Set(path, Backend, "file"); !errors.As(err, &pe) {
		t.Errorf("Set on a broken file = %v, want its parse error", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "backend\n" {
		t.Errorf("a broken file was changed to %q", data)
	}
	if err := Set(path, "colour", "blue"); err == nil {
		t.Error("Set of an unknown key succeeded")
	}
}

func TestReadMissing(t *testing.T) {
	f, err := Read(filepath.Join(t.TempDir(), "none"))
	if err != nil || len(f.Settings) != 0 {
		t.Errorf("Read(missing) = %v, %v; want no settings", f, err)
	}
}
