package registry

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Processes is a PID namespace: the processes a container sees. A
// container has its own, in which its first program is PID 1; the
// containers of a pod with a shared process namespace share the pod's, in
// which the sandbox's pause is PID 1; an ephemeral container that targets
// another (kubectl debug --target) shares the target's. The runtime
// registers the programs it starts (a container's init, an exec) and a
// shell the commands it runs, so ps and kill see them.
type Processes struct {
	mu    sync.Mutex
	last  int
	procs map[int]*processEntry
}

// ProcessInfo is a process as ps shows it.
type ProcessInfo struct {
	PID, PPID int
	// UID is the process's user.
	UID int64
	// Args is its command line; a process that exec'd shows its new one.
	Args    []string
	Started time.Time
}

type processEntry struct {
	info ProcessInfo
	// kill ends the process (SIGKILL, or a signal whose default action
	// ends it).
	kill context.CancelFunc
}

// NewProcesses returns an empty PID namespace.
func NewProcesses() *Processes {
	return &Processes{procs: map[int]*processEntry{}}
}

// Start registers a new process with the next free PID (the first is 1)
// and returns the PID. kill, if set, is what kill(2) of the PID does.
func (t *Processes) Start(ppid int, uid int64, args []string, kill context.CancelFunc) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last++
	pid := t.last
	t.procs[pid] = &processEntry{
		info: ProcessInfo{PID: pid, PPID: ppid, UID: uid, Args: slices.Clone(args), Started: time.Now()},
		kill: kill,
	}
	return pid
}

// Exec replaces the command line of pid, as execve does.
func (t *Processes) Exec(pid int, args []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.procs[pid]; ok {
		e.info.Args = slices.Clone(args)
	}
}

// Exit removes pid.
func (t *Processes) Exit(pid int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.procs, pid)
}

// List returns the processes, by PID.
func (t *Processes) List() []ProcessInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]ProcessInfo, 0, len(t.procs))
	for _, e := range t.procs {
		info := e.info
		info.Args = slices.Clone(info.Args)
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b ProcessInfo) int { return a.PID - b.PID })
	return out
}

// Kill ends pid as a signal whose default action terminates does; false
// when there is no such process. PID 1 of a namespace ignores signals it
// has no handler for (the kernel does not deliver them), so killing it is
// the caller's decision.
func (t *Processes) Kill(pid int) bool {
	t.mu.Lock()
	e, ok := t.procs[pid]
	t.mu.Unlock()
	if !ok {
		return false
	}
	if e.kill != nil {
		e.kill()
	}
	return true
}

// Spawn runs prog as a child of parent in parent's PID namespace: a new
// PID, and a Kill of its own that kill(2) of the PID ends. Without a
// namespace it runs prog in child as is.
func Spawn(prog Program, parent, child *Process) int {
	if parent.Procs == nil {
		return Run(prog, child)
	}
	kill, cancel := context.WithCancel(child.KillContext())
	defer cancel()
	if child.Kill == nil || child.Ctx == child.Kill {
		child.Ctx = kill
	}
	child.Kill = kill
	child.Procs = parent.Procs
	child.PID = parent.Procs.Start(parent.PID, parent.UID, child.Args, cancel)
	defer parent.Procs.Exit(child.PID)
	code := Run(prog, child)
	if kill.Err() != nil && parent.KillContext().Err() == nil {
		// Killed by a signal of its own (kill PID): SIGTERM's status.
		return 128 + 15
	}
	return code
}
