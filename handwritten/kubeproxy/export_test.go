package kubeproxy

import "time"

// SetRand makes the proxier's endpoint choices come from intn.
func (p *Proxier) SetRand(intn func(n int) int) { p.rand = intn }

// SetClock makes the proxier's session affinity read now.
func (p *Proxier) SetClock(now func() time.Time) { p.now = now }

// SyncNow runs a sync at once, as the runner's loop would.
func (p *Proxier) SyncNow() { p.syncProxyRules() }
