package wire

import (
	"math"
	"math/bits"
	"reflect"
	"strings"
	"testing"

	"github.com/agora-exchange/agora/catalog"
	"github.com/stretchr/testify/require"
)

// TestValidatedCommandsEncode: every command that passes the shape checks,
// with its variable-size fields at the limits, round-trips through the
// codec exactly.
func TestValidatedCommandsEncode(t *testing.T) {
	long := strings.Repeat("я", MaxStringLen/2)
	bases := make([]catalog.BasisID, MaxBases)
	for i := range bases {
		bases[i] = catalog.BasisID(math.MaxUint32 - i)
	}
	for k := CmdRegister; k < cmdEnd; k++ {
		c := Command{Kind: k, Time: math.MinInt64}
		rf := readFields[k]
		if rf&(1<<fName) != 0 {
			c.Name, c.INN, c.KPP = long, long, long
		}
		if rf&(1<<fBases) != 0 {
			c.Bases = bases
		}
		if rf&(1<<fPrice) != 0 {
			c.Price = math.MaxInt64
		}
		if rf&(1<<fQty) != 0 {
			c.Qty = math.MinInt64
		}
		if rf&(1<<fPublicKey) != 0 {
			c.PublicKey = []byte(strings.Repeat("k", MaxKeyLen))
		}
		if rf&(1<<fSignature) != 0 {
			c.Signature, c.Nonce, c.KeyID, c.SignatureVerified = []byte(strings.Repeat("s", MaxSignatureLen)), math.MaxUint64, math.MaxUint64, true
		}
		require.Equal(t, ReasonNone, CheckShape(&c), "%v", k)
		require.NoError(t, CheckCommandEncodable(&c))
		got, n, err := DecodeCommand(AppendCommand(nil, &c))
		require.NoError(t, err, "%v", k)
		require.Equal(t, len(AppendCommand(nil, &c)), n)
		require.Equal(t, c, got, "%v", k)
	}
}

// TestReadFieldsTable checks that Command.set sees every optional field
// and that every field is read by some kind, so a new field cannot be
// forgotten in the table.
func TestReadFieldsTable(t *testing.T) {
	var c Command
	v := reflect.ValueOf(&c).Elem()
	n := 0
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		if name == "Kind" || name == "Time" {
			continue
		}
		n++
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			if f.Type().Elem().Kind() == reflect.Uint8 {
				f.SetBytes([]byte{1})
			} else {
				f.Set(reflect.ValueOf([]catalog.BasisID{1}))
			}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f.SetInt(1)
		default:
			f.SetUint(1)
		}
		one := Command{}
		reflect.ValueOf(&one).Elem().Field(i).Set(f)
		require.Equal(t, 1, bits.OnesCount64(uint64(one.set())), "field %s", name)
	}
	require.Equal(t, int(fieldEnd), n)
	require.Equal(t, fieldSet(1)<<fieldEnd-1, c.set())
	var union fieldSet
	for k := CmdRegister; k < cmdEnd; k++ {
		require.NotZero(t, readFields[k], "%v", k)
		union |= readFields[k]
	}
	require.Equal(t, c.set(), union, "every field is read by some kind")
}

// BenchmarkCheckShape checks the shape of the order path's commands: an
// unsigned limit order and a cancel.
func BenchmarkCheckShape(b *testing.B) {
	cmds := []Command{
		{Kind: CmdPlace, Time: 1, Participant: 7, Category: 3, Basis: 2, Side: Buy, Type: Limit, TIF: GTC, Price: 5000, Qty: 10, ClientOrderID: 9},
		{Kind: CmdCancel, Time: 2, Participant: 7, OrderID: 1 << 40},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if r := CheckShape(&cmds[i&1]); r != ReasonNone {
			b.Fatal(r)
		}
	}
}
