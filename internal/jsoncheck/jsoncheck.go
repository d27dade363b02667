// Package jsoncheck checks the JSON form of Agora's result and command
// types for their packages' tests: every field tagged in snake_case, every
// ID a JSON string, and a round trip that keeps every field. It fills the
// values by reflection, so a field added later cannot be forgotten.
package jsoncheck

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
)

var snakeRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// Fill sets every exported field of the struct *p, recursively, to a value
// that is not zero: 1 for one-byte fields (every enum's first valid
// value), numbers above 2^53 for 64-bit fields (so that a lossy reader
// would show), and one element in each slice. seed varies the values.
// Errors: a field of a kind it cannot fill.
func Fill(p any, seed int) error {
	return fill(reflect.ValueOf(p).Elem(), &seed)
}

func fill(v reflect.Value, n *int) error {
	*n++
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if err := fill(v.Field(i), n); err != nil {
					return err
				}
			}
		}
	case reflect.Uint8:
		v.SetUint(1)
	case reflect.Uint16:
		v.SetUint(uint64(1000 + *n))
	case reflect.Uint32:
		v.SetUint(uint64(1<<31 + *n))
	case reflect.Uint64, reflect.Uint:
		v.SetUint(uint64(1<<53 + *n))
	case reflect.Int64, reflect.Int:
		v.SetInt(int64(1<<53 + *n))
	case reflect.Int32:
		v.SetInt(int64(1<<30 + *n))
	case reflect.String:
		v.SetString(fmt.Sprintf("é \"%d\"", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		if err := fill(s.Index(0), n); err != nil {
			return err
		}
		v.Set(s)
	default:
		return fmt.Errorf("jsoncheck: no filler for %s", v.Type())
	}
	return nil
}

// isID reports whether t is one of Agora's ID types: an unsigned integer
// named ...ID with a text form.
func isID(t reflect.Type) bool {
	return (t.Kind() == reflect.Uint32 || t.Kind() == reflect.Uint64) && strings.HasSuffix(t.Name(), "ID") && t.Implements(textMarshaler)
}

// RoundTrip fills a new value of p's type (a pointer to a struct), checks
// that each of its exported fields has a snake_case JSON tag spelling the
// field's name, that the JSON object has one key per field, that IDs are
// JSON strings and enums JSON strings, and that unmarshalling the JSON
// gives the value back. It returns the first failure and the JSON.
func RoundTrip[T any]() (string, error) {
	var in T
	if err := Fill(&in, 0); err != nil {
		return "", err
	}
	t := reflect.TypeOf(in)
	b, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("marshal %s: %w", t, err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return string(b), fmt.Errorf("%s is not a JSON object: %w", t, err)
	}
	fields := 0
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fields++
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !snakeRE.MatchString(name) || strings.ReplaceAll(name, "_", "") != strings.ToLower(f.Name) {
			return string(b), fmt.Errorf("%s.%s: JSON name %q is not the field's name in snake_case", t, f.Name, name)
		}
		raw, ok := obj[name]
		if !ok {
			return string(b), fmt.Errorf("%s.%s: key %q missing", t, f.Name, name)
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Uint8 {
			ft = reflect.TypeOf("") // []byte is a base64 JSON string
		} else if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
			raw = bytes.TrimLeft(raw, "[")
		}
		quoted := len(raw) > 0 && raw[0] == '"'
		switch {
		case isID(ft) && !quoted:
			return string(b), fmt.Errorf("%s.%s: ID %s is not a JSON string", t, f.Name, raw)
		case ft.Kind() == reflect.Uint8 && ft.Implements(textMarshaler) && !quoted:
			return string(b), fmt.Errorf("%s.%s: enum %s is not a JSON string", t, f.Name, raw)
		case !isID(ft) && ft.Kind() != reflect.String && !ft.Implements(textMarshaler) && quoted:
			return string(b), fmt.Errorf("%s.%s: %s is a JSON string", t, f.Name, raw)
		}
	}
	if len(obj) != fields {
		return string(b), fmt.Errorf("%s: %d JSON keys for %d fields", t, len(obj), fields)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		return string(b), fmt.Errorf("unmarshal %s: %w", t, err)
	}
	if !reflect.DeepEqual(in, out) {
		return string(b), fmt.Errorf("%s does not survive a round trip:\n in %+v\nout %+v", t, in, out)
	}
	return string(b), nil
}
