// Package pwned tells whether a password is among well-known compromised
// passwords, by its SHA-1.
//
// The list is the 3,546 entries (3,545 distinct) of Openwall's password.lst (John the
// Ripper's word list, compiled by Solar Designer from 1996 to 2011 of the
// passwords most commonly seen on Unix systems and in public "top N"
// lists of website compromises; public domain), as in Debian's john-data
// 1.9.0-2 package. sha1.bin holds the first 8 bytes of the SHA-1 of each,
// sorted: 28 KiB, and a false match has odds of about 2^-52.
package pwned

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
)

//go:embed sha1.bin
var prefixes []byte

const prefixLen = 8

// ErrNotSHA1 is returned for a string that is not a hex SHA-1.
var ErrNotSHA1 = errors.New("not a SHA-1 in hex: 40 hexadecimal digits")

// Compromised reports whether the password whose SHA-1 is sum (40 hex
// digits, either case) is on the list.
func Compromised(sum string) (bool, error) {
	if len(sum) != 40 {
		return false, ErrNotSHA1
	}
	b, err := hex.DecodeString(strings.ToLower(sum))
	if err != nil {
		return false, ErrNotSHA1
	}
	key := b[:prefixLen]
	n := len(prefixes) / prefixLen
	i := sort.Search(n, func(i int) bool { return bytes.Compare(prefixes[i*prefixLen:(i+1)*prefixLen], key) >= 0 })
	return i < n && bytes.Equal(prefixes[i*prefixLen:(i+1)*prefixLen], key), nil
}
