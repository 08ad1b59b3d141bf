package pkce

import (
	"encoding/json"
	"strings"
)

// object splits a JSON object into its members, each value verbatim, as
// json.Unmarshal into a map[string]json.RawMessage does (a repeated key
// keeps its last value), but without the decoder's reflection: that was
// most of the parsing time of a get, which runs it once in a new process.
// json.Valid checks the grammar first, so the walk below only finds where
// each key and value ends. ok is false when data is not a JSON object.
// The values are slices of data.
func object(data []byte) (m map[string]json.RawMessage, ok bool) {
	if !json.Valid(data) {
		return nil, false
	}
	i := jsonSpace(data, 0)
	if data[i] != '{' {
		return nil, false
	}
	m = make(map[string]json.RawMessage)
	for i = jsonSpace(data, i+1); data[i] != '}'; {
		end := valueEnd(data, i)
		key, err := jsonString(data[i:end])
		if err != nil {
			return nil, false // cannot happen in a valid document
		}
		i = jsonSpace(data, jsonSpace(data, end)+1) // past the colon
		end = valueEnd(data, i)
		m[key] = data[i:end]
		if i = jsonSpace(data, end); data[i] == ',' {
			i = jsonSpace(data, i+1)
		}
	}
	return m, true
}

// jsonSpace returns the index of the first byte at or after i that is not
// JSON white space.
func jsonSpace(data []byte, i int) int {
	for i < len(data) && strings.IndexByte(" \t\r\n", data[i]) >= 0 {
		i++
	}
	return i
}

// valueEnd returns the index just past the value that starts at i in a
// valid document.
func valueEnd(data []byte, i int) int {
	depth := 0
	for j := i; j < len(data); j++ {
		switch data[j] {
		case '"':
			for j++; data[j] != '"'; j++ {
				if data[j] == '\\' {
					j++
				}
			}
		case '{', '[':
			depth++
			continue
		case '}', ']':
			if depth == 0 {
				return j // the end of a number or literal that ends its object
			}
			depth--
		case ',', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return j
			}
			continue
		default:
			continue
		}
		if depth == 0 {
			return j + 1 // past a string, or the bracket that closes the value
		}
	}
	return len(data)
}

// isNumber says whether a valid JSON value is a number.
func isNumber(v json.RawMessage) bool {
	return len(v) > 0 && (v[0] == '-' || '0' <= v[0] && v[0] <= '9')
}
