package auth

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTPPeriod is the time step of time-based one-time passwords (RFC 6238).
const TOTPPeriod = 30 * time.Second

// NewTOTPKey returns a new TOTP secret (base32) for account and the
// otpauth:// URI that authenticator apps read from a QR code: SHA-1, six
// digits, 30 s, as every authenticator app supports.
func NewTOTPKey(issuer, account string) (secret, uri string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: uint(TOTPPeriod / time.Second),
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", fmt.Errorf("new totp key: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// CheckTOTP checks code against secret at t, allowing one step of clock
// skew either way, and only for steps after lastStep, so that a code is
// never accepted twice. It returns the step the code belongs to.
func CheckTOTP(secret, code string, t time.Time, lastStep int64) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	now := t.Unix() / int64(TOTPPeriod/time.Second)
	for _, step := range []int64{now - 1, now, now + 1} {
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*int64(TOTPPeriod/time.Second), 0),
			totp.ValidateOpts{Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// TOTPCode returns the code of secret at t (for tests and tools).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCode(secret, t)
}
