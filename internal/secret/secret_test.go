package secret

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	key, err := ParseKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	box, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := box.Seal([]byte("hunter2"), "collection_secrets/1/password")
	if bytes.Contains(sealed, []byte("hunter2")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	got, err := box.Open(sealed, "collection_secrets/1/password")
	if err != nil || string(got) != "hunter2" {
		t.Fatalf("Open = %q, %v; want hunter2", got, err)
	}
	if _, err := box.Open(sealed, "collection_secrets/2/password"); err == nil {
		t.Fatal("ciphertext opened under another context")
	}
}

func TestWrongKeyIsAClearError(t *testing.T) {
	t.Parallel()
	k1, _ := ParseKey(NewKey())
	k2, _ := ParseKey(NewKey())
	b1, _ := New(k1)
	b2, _ := New(k2)
	_, err := b2.Open(b1.Seal([]byte("x"), "c"), "c")
	if !errors.Is(err, ErrWrongKey) {
		t.Fatalf("err = %v; want ErrWrongKey", err)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{NewKey(), true},
		{"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", true},
		{"c2hvcnQ=", false},
		{"not a key!", false},
		{"", false},
	} {
		if _, err := ParseKey(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseKey(%q) err = %v; want ok=%v", tc.in, err, tc.ok)
		}
	}
}
