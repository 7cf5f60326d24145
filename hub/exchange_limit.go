package hub

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

// Exchange limits, per hub process. An app exchanges a code about as
// often as it shows one (a code lives 5 minutes), so a few a minute per
// person are plenty; an address may front many people (a carrier's NAT),
// so its limit is wide and only stops one host from having the hub check
// signatures without end.
const (
	ExchangesPerSubject     = 6 // a minute
	ExchangeBurstPerSubject = 3 // at once
	ExchangesPerAddr        = 300
	ExchangeBurstPerAddr    = 100
)

type exchangeLimits struct {
	byAddr, bySubject *node.KeyLimiter
}

func newExchangeLimits() exchangeLimits {
	return exchangeLimits{
		byAddr:    node.NewKeyLimiter(ExchangesPerAddr, ExchangeBurstPerAddr),
		bySubject: node.NewKeyLimiter(ExchangesPerSubject, ExchangeBurstPerSubject),
	}
}

// allowAddr is checked first, before any work on the code.
func (l exchangeLimits) allowAddr(addr string, now time.Time) error {
	if ok, wait := l.byAddr.Allow(addr, now); !ok {
		return rateLimited(wait, "exchanges from this address")
	}
	return nil
}

// allowSubject is checked once the code verified, so that only a valid
// code of the person counts against them.
func (l exchangeLimits) allowSubject(region string, subject []byte, now time.Time) error {
	if ok, wait := l.bySubject.Allow(region+"/"+hex.EncodeToString(subject), now); !ok {
		return rateLimited(wait, "exchanges for this person")
	}
	return nil
}

func rateLimited(wait time.Duration, what string) error {
	secs := max(int(wait.Round(time.Second)/time.Second), 1)
	return &healthcode.Error{Code: healthcode.ERATELIMIT,
		Message: fmt.Sprintf("too many %s: try again in %d seconds", what, secs),
		Fields:  map[string]string{"retry_after": fmt.Sprint(secs)}}
}
