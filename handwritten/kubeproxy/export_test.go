package kubeproxy

import (
	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/utils/clock"
)

// SetRand makes the proxier's endpoint choices come from intn.
func (p *Proxier) SetRand(intn func(n int) int) { p.rand = intn }

// SetClock makes the proxier's session affinity expire on c.
func (p *Proxier) SetClock(c clock.Clock) { p.affinity = utilcache.NewExpiringWithClock(c) }

// SyncNow runs a sync at once, as the runner's loop would.
func (p *Proxier) SyncNow() { p.syncProxyRules() }
