package orderbook

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// require mirrors the subset of github.com/stretchr/testify/require used by
// this package's tests, with the same call syntax. testify cannot be linked
// until go.mod lists go.yaml.in/yaml/v3 (a requirement of testify's assert
// package); once it does, deleting this file and importing
// "github.com/stretchr/testify/require" is the whole migration.
var require requireT

type requireT struct{}

func msg(msgAndArgs []any) string {
	switch len(msgAndArgs) {
	case 0:
		return ""
	case 1:
		return fmt.Sprint(msgAndArgs[0])
	}
	if f, ok := msgAndArgs[0].(string); ok {
		return fmt.Sprintf(f, msgAndArgs[1:]...)
	}
	return fmt.Sprint(msgAndArgs...)
}

func (requireT) fail(t testing.TB, what string, msgAndArgs []any) {
	t.Helper()
	if m := msg(msgAndArgs); m != "" {
		t.Fatalf("%s\n\tmessage: %s", what, m)
	}
	t.Fatal(what)
}

func (r requireT) Equal(t testing.TB, expected, actual any, msgAndArgs ...any) {
	t.Helper()
	if !reflect.DeepEqual(expected, actual) {
		r.fail(t, fmt.Sprintf("not equal:\n\texpected: %#v\n\tactual:   %#v", expected, actual), msgAndArgs)
	}
}

func (r requireT) NotEqual(t testing.TB, expected, actual any, msgAndArgs ...any) {
	t.Helper()
	if reflect.DeepEqual(expected, actual) {
		r.fail(t, fmt.Sprintf("should not be equal: %#v", actual), msgAndArgs)
	}
}

func (r requireT) NoError(t testing.TB, err error, msgAndArgs ...any) {
	t.Helper()
	if err != nil {
		r.fail(t, fmt.Sprintf("unexpected error: %v", err), msgAndArgs)
	}
}

func (r requireT) Error(t testing.TB, err error, msgAndArgs ...any) {
	t.Helper()
	if err == nil {
		r.fail(t, "expected an error, got nil", msgAndArgs)
	}
}

func (r requireT) ErrorIs(t testing.TB, err, target error, msgAndArgs ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		r.fail(t, fmt.Sprintf("error %v is not %v", err, target), msgAndArgs)
	}
}

func (r requireT) True(t testing.TB, v bool, msgAndArgs ...any) {
	t.Helper()
	if !v {
		r.fail(t, "should be true", msgAndArgs)
	}
}

func (r requireT) False(t testing.TB, v bool, msgAndArgs ...any) {
	t.Helper()
	if v {
		r.fail(t, "should be false", msgAndArgs)
	}
}

func (r requireT) Len(t testing.TB, obj any, n int, msgAndArgs ...any) {
	t.Helper()
	v := reflect.ValueOf(obj)
	if v.Len() != n {
		r.fail(t, fmt.Sprintf("length %d, want %d: %#v", v.Len(), n, obj), msgAndArgs)
	}
}

func (r requireT) Empty(t testing.TB, obj any, msgAndArgs ...any) {
	t.Helper()
	if v := reflect.ValueOf(obj); obj != nil && v.Len() != 0 {
		r.fail(t, fmt.Sprintf("should be empty: %#v", obj), msgAndArgs)
	}
}

func (r requireT) LessOrEqual(t testing.TB, a, b int64, msgAndArgs ...any) {
	t.Helper()
	if a > b {
		r.fail(t, fmt.Sprintf("%d > %d", a, b), msgAndArgs)
	}
}

func (r requireT) Zero(t testing.TB, v float64, msgAndArgs ...any) {
	t.Helper()
	if v != 0 {
		r.fail(t, fmt.Sprintf("should be zero, got %v", v), msgAndArgs)
	}
}
