package pkcetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// jsonDuration reads a duration as a Go duration string ("2s", "1m30s")
// or a number of seconds.
type jsonDuration time.Duration

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		p, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		*d = jsonDuration(p)
	case float64:
		*d = jsonDuration(v * float64(time.Second))
	case nil:
		*d = 0
	default:
		return fmt.Errorf("duration %s is neither a string nor a number", b)
	}
	return nil
}

// faultJSON is the body of POST /_fake/fault.
type faultJSON struct {
	Scope      string       `json:"scope"` // "all" (default) or "token"
	Count      int          `json:"count"`
	Delay      jsonDuration `json:"delay"`
	Status     int          `json:"status"`
	RetryAfter jsonDuration `json:"retry_after"`
	Garbage    bool         `json:"garbage"`
	Body       string       `json:"body"`
}

func controlError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// controlRoutes adds the /_fake/ endpoints, which exist only on the fake.
// They are neither counted nor faulted.
func (s *Server) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_fake/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Stats())
	})
	mux.HandleFunc("POST /_fake/fault", func(w http.ResponseWriter, r *http.Request) {
		var fj faultJSON
		dec := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fj); err != nil && err != io.EOF {
			controlError(w, http.StatusBadRequest, "bad fault: "+err.Error())
			return
		}
		f := Fault{
			Count: fj.Count, Delay: time.Duration(fj.Delay), Status: fj.Status,
			RetryAfter: time.Duration(fj.RetryAfter), Garbage: fj.Garbage, Body: fj.Body,
		}
		switch fj.Scope {
		case "", "all":
		case "token":
			f.Scope = TokenEndpoint
		default:
			controlError(w, http.StatusBadRequest, fmt.Sprintf("bad fault: scope %q is neither \"all\" nor \"token\"", fj.Scope))
			return
		}
		if err := f.validate(); err != nil {
			controlError(w, http.StatusBadRequest, "bad fault: "+err.Error())
			return
		}
		s.SetFault(f)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_fake/fault", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFault()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_fake/issue", func(w http.ResponseWriter, r *http.Request) {
		email := r.FormValue("email")
		if email == "" {
			s.mu.Lock()
			if s.first != nil {
				email = s.first.Email
			}
			s.mu.Unlock()
		}
		ttl := s.opts.AccessTTL
		if v := r.FormValue("ttl"); v != "" {
			var err error
			if ttl, err = time.ParseDuration(v); err != nil {
				controlError(w, http.StatusBadRequest, "bad ttl: "+err.Error())
				return
			}
		}
		t, err := s.IssueExpiring(email, ttl)
		if err != nil {
			controlError(w, http.StatusNotFound, err.Error())
			return
		}
		writeTokens(w, t)
	})
	mux.HandleFunc("POST /_fake/revoke", func(w http.ResponseWriter, r *http.Request) {
		if !s.Revoke(r.FormValue("email")) {
			controlError(w, http.StatusNotFound, fmt.Sprintf("no account %q", r.FormValue("email")))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
