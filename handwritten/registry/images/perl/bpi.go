package perl

import (
	"math/big"
	"runtime"
	"strings"
)

// maxBpiDigits bounds bpi(N): beyond it the work-alike refuses rather than
// hold the (single, in a browser) thread for minutes.
const maxBpiDigits = 100_000

// bpi is Math::BigFloat's bpi(n) as print shows it: π rounded to n
// significant digits, the next digit deciding (5 and above round up, as
// bpi's digit table does for n <= 1000; for larger n its AGM result is
// rounded half-to-even, which is the same for an irrational π), and
// printed with exactly n digits: "3" for n = 1, else "3." and n-1 more.
func bpi(n int) string {
	digits := []byte(piDigits(n + 1))
	// Round the first n digits on the next one.
	if digits[n] >= '5' {
		i := n - 1
		for ; i >= 0 && digits[i] == '9'; i-- {
			digits[i] = '0'
		}
		// π has no run of n nines from its first digit: i >= 0.
		digits[i]++
	}
	digits = digits[:n]
	if n == 1 {
		return string(digits)
	}
	return string(digits[:1]) + "." + string(digits[1:])
}

// piDigits returns the first n significant digits of π ("31415…"),
// truncated, computed with Machin's formula π = 16·atan(1/5) − 4·atan(1/239)
// in fixed point with ten guard digits: each series term is truncated, and
// the error this sums to stays far inside the guard digits.
func piDigits(n int) string {
	const guard = 10
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n+guard-1)), nil)
	pi := new(big.Int).Mul(big.NewInt(16), arctanInverse(5, scale))
	pi.Sub(pi, new(big.Int).Mul(big.NewInt(4), arctanInverse(239, scale)))
	s := pi.String()
	// pi is π·10^(n+guard-1) less the truncation error: n+guard digits.
	return strings.Clone(s[:n])
}

// arctanInverse returns atan(1/x)·scale, the series
// Σ (-1)^k / ((2k+1)·x^(2k+1)) summed in fixed point.
func arctanInverse(x int64, scale *big.Int) *big.Int {
	sum := new(big.Int)
	power := new(big.Int).Quo(scale, big.NewInt(x)) // scale / x^(2k+1)
	x2 := big.NewInt(x * x)
	term := new(big.Int)
	for k := int64(0); power.Sign() != 0; k++ {
		term.Quo(power, big.NewInt(2*k+1))
		if k%2 == 0 {
			sum.Add(sum, term)
		} else {
			sum.Sub(sum, term)
		}
		power.Quo(power, x2)
		if k%32 == 31 {
			// js/wasm has one thread and no preemption: without yielding,
			// a long computation would stop the cluster (and a SIGKILL)
			// until it ends.
			runtime.Gosched()
		}
	}
	return sum
}
