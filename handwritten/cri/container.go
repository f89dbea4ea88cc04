package cri

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	remote "k8s.io/cri-client/pkg"
	utilexec "k8s.io/utils/exec"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/containerfs"
)

// Exit codes as a Linux runtime reports them.
const (
	exitStartError = 128     // runc could not start the process
	exitKilled     = 128 + 9 // SIGKILL
	reasonOOM      = "OOMKilled"
)

// container is a container and, once started, its program.
type container struct {
	id        string
	sandbox   *sandbox
	sandboxID string
	config    *runtimeapi.ContainerConfig
	img       *image
	logPath   string
	rootDir   string
	fs        *containerfs.FS

	// guarded by Runtime.mu
	state      runtimeapi.ContainerState
	createdAt  time.Time
	startedAt  time.Time
	finishedAt time.Time
	exitCode   int32
	reason     string
	message    string
	cpuMilli   int64
	memory     int64

	r *Runtime
	// procs is the container's PID namespace (see pidNamespace) and pid
	// its program's PID there, once started.
	procs *registry.Processes
	pid   int
	// The user, group and groups its processes run as (identity).
	uid, gid int64
	groups   []int64
	log      *logFile
	term     context.CancelFunc // SIGTERM
	kill     context.CancelFunc // SIGKILL
	killed   context.Context    // done on SIGKILL
	exited   chan struct{}      // closed once the container is EXITED

	// The running program's output, which attach also sends to its
	// clients, and its stdin if the container has one (config.Stdin).
	stdout, stderr *stream
	stdin          *io.PipeWriter
}

// CreateContainer creates a container of a pulled image in a sandbox.
func (r *Runtime) CreateContainer(_ context.Context, sandboxID string, config *runtimeapi.ContainerConfig, sandboxConfig *runtimeapi.PodSandboxConfig) (string, error) {
	if err := r.refuseWhenDown(); err != nil {
		return "", err
	}
	r.mu.Lock()
	s, ok := r.sandboxes[sandboxID]
	img := r.findImage(config.GetImage().GetImage())
	r.mu.Unlock()
	if !ok {
		return "", notFound("failed to get sandbox %q: not found", sandboxID)
	}
	if img == nil {
		return "", notFound("failed to get image %q: image not found", config.GetImage().GetImage())
	}
	c := &container{
		id: newID(), sandbox: s, sandboxID: sandboxID, config: config, img: img,
		state: runtimeapi.ContainerState_CONTAINER_CREATED, createdAt: time.Now(),
		r: r, exited: make(chan struct{}),
	}
	c.killed, c.kill = context.WithCancel(context.Background())
	if config.GetLogPath() != "" {
		c.logPath = filepath.Join(sandboxConfig.GetLogDirectory(), config.GetLogPath())
	}
	c.rootDir = filepath.Join(r.opts.Dir, c.id)
	if err := os.MkdirAll(c.rootDir, 0o755); err != nil {
		return "", err
	}
	// The image's files, as the snapshotter prepares its layers.
	if err := registry.Unpack(img.image, c.rootDir); err != nil {
		os.RemoveAll(c.rootDir)
		return "", fmt.Errorf("failed to create containerd container: %w", err)
	}
	var mounts []containerfs.Mount
	hasResolvConf := false
	for _, m := range config.GetMounts() {
		if m.GetImage().GetImage() != "" {
			// An image volume: the image's files, read-only.
			host, err := r.imageVolume(m.GetImage().GetImage(), m.GetImageSubPath())
			if err != nil {
				os.RemoveAll(c.rootDir)
				return "", err
			}
			mounts = append(mounts, containerfs.Mount{ContainerPath: m.GetContainerPath(), HostPath: host, ReadOnly: true})
			continue
		}
		host := r.opts.NodeFS.HostPath(m.GetHostPath())
		// As containerd's CRI (WithMounts): a source that does not exist
		// (a hostPath volume without a type) is created as a directory.
		if _, err := os.Stat(host); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(host, 0o755); err != nil {
				return "", fmt.Errorf("failed to mkdir %q: %w", m.GetHostPath(), err)
			}
		}
		mounts = append(mounts, containerfs.Mount{ContainerPath: m.GetContainerPath(), HostPath: host, ReadOnly: m.GetReadonly()})
		hasResolvConf = hasResolvConf || path.Clean(m.GetContainerPath()) == "/etc/resolv.conf"
	}
	if !hasResolvConf && s.resolvConf != "" {
		// containerd mounts the sandbox's resolv.conf unless the container
		// mounts its own, read-only with a read-only root file system.
		mounts = append(mounts, containerfs.Mount{ContainerPath: "/etc/resolv.conf", HostPath: s.resolvConf,
			ReadOnly: config.GetLinux().GetSecurityContext().GetReadonlyRootfs()})
	}
	fsys, err := containerfs.New(c.rootDir, mounts)
	if err != nil {
		os.RemoveAll(c.rootDir)
		return "", fmt.Errorf("failed to create containerd container: %w", err)
	}
	if err := fsys.Seed(sandboxConfig.GetHostname()); err != nil {
		fsys.Close()
		os.RemoveAll(c.rootDir)
		return "", fmt.Errorf("failed to create containerd container: %w", err)
	}
	c.fs = fsys
	c.uid, c.gid, c.groups = c.identity()
	if config.GetLinux().GetSecurityContext().GetReadonlyRootfs() {
		fsys.ReadOnlyRoot()
	}
	// What its processes create belongs to them.
	fsys.SetOwner(c.uid, c.gid)
	r.mu.Lock()
	c.procs = r.pidNamespace(s, config)
	r.containers[c.id] = c
	r.mu.Unlock()
	return c.id, nil
}

// pidNamespace is the PID namespace a container joins, as runc sets it
// up from the CRI's namespace options: its own (CONTAINER), the pod's
// (POD, shareProcessNamespace) or its target's (TARGET, an ephemeral
// container of kubectl debug --target). r.mu is held.
func (r *Runtime) pidNamespace(s *sandbox, config *runtimeapi.ContainerConfig) *registry.Processes {
	opts := config.GetLinux().GetSecurityContext().GetNamespaceOptions()
	switch opts.GetPid() {
	case runtimeapi.NamespaceMode_POD:
		if s.procs != nil {
			return s.procs
		}
	case runtimeapi.NamespaceMode_TARGET:
		if target, ok := r.containers[opts.GetTargetId()]; ok {
			return target.procs
		}
	}
	return registry.NewProcesses()
}

// argv is the process a container runs: the image's entrypoint and cmd,
// overridden by the container's command and args as Kubernetes defines.
func (c *container) argv() []string {
	cfg := c.img.image.Config()
	entrypoint, cmd := cfg.Entrypoint, cfg.Cmd
	if len(c.config.GetCommand()) > 0 {
		entrypoint, cmd = c.config.GetCommand(), nil
	}
	if len(c.config.GetArgs()) > 0 {
		cmd = c.config.GetArgs()
	}
	return append(append([]string{}, entrypoint...), cmd...)
}

// process is what a program of this container sees.
func (c *container) process(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) *registry.Process {
	cfg := c.img.image.Config()
	env := append([]string{}, cfg.Env...)
	env = append(env, "HOSTNAME="+c.sandbox.config.GetHostname())
	home := false
	for _, kv := range c.config.GetEnvs() {
		env = append(env, kv.GetKey()+"="+string(kv.GetValue()))
		home = home || kv.GetKey() == "HOME"
	}
	for _, kv := range cfg.Env {
		home = home || strings.HasPrefix(kv, "HOME=")
	}
	if !home {
		// runc sets HOME when the process has none: the user's home
		// directory from the container's /etc/passwd, else /.
		env = append(env, "HOME="+c.home())
	}
	dir := c.config.GetWorkingDir()
	if dir == "" {
		dir = cfg.WorkingDir
	}
	if dir == "" {
		dir = "/"
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var network registry.NetNamespace
	if c.sandbox.net != nil {
		network = containerNet{NetNamespace: c.sandbox.net, fs: c.fs}
	}
	return &registry.Process{
		Args: args, Env: env, Dir: dir, Hostname: c.sandbox.config.GetHostname(),
		Stdin: stdin, Stdout: stdout, Stderr: stderr,
		FS: c.fs, Net: network, Image: c.img.image, Ctx: ctx, Kill: c.killed,
		Usage: c.usage,
		UID:   c.uid, GID: c.gid, Groups: c.groups,
		Procs: c.procs,
	}
}

// StartContainer runs the container's program.
func (r *Runtime) StartContainer(_ context.Context, id string) error {
	if err := r.refuseWhenDown(); err != nil {
		return err
	}
	r.mu.Lock()
	c, ok := r.containers[id]
	r.mu.Unlock()
	if !ok {
		return notFound("failed to find container %q: not found", id)
	}
	log := &logFile{closed: true}
	if c.logPath != "" {
		var err error
		if log, err = openLog(c.logPath); err != nil {
			return fmt.Errorf("failed to create containerd task: failed to open log file %q: %w", c.logPath, err)
		}
	}
	c.log = log
	stdout := &stream{log: log, name: "stdout"}
	stderr := &stream{log: log, name: "stderr"}
	ctx, term := context.WithCancel(context.Background())
	c.term = term
	args := c.argv()
	var stdin io.Reader
	if c.config.GetStdin() {
		r, w := io.Pipe()
		stdin, c.stdin = r, w
	}
	c.stdout, c.stderr = stdout, stderr
	var procOut, procErr io.Writer = stdout, stderr
	tty := c.config.GetTty()
	if tty {
		// One terminal: its output goes to the log as stdout.
		procOut = terminalOutput{stdout}
		procErr = procOut
		if stdin != nil {
			stdin = terminalInput{stdin}
		}
	}
	proc := c.process(ctx, args, stdin, procOut, procErr)
	proc.TTY = tty

	r.mu.Lock()
	c.startedAt = time.Now()
	r.mu.Unlock()
	if len(args) == 0 {
		return c.startFailed(fmt.Errorf("no command specified"))
	}
	prog, err := proc.LookPath(args[0])
	if err != nil {
		return c.startFailed(err)
	}
	r.mu.Lock()
	c.state = runtimeapi.ContainerState_CONTAINER_RUNNING
	r.mu.Unlock()
	proc.PID = c.procs.Start(0, proc.UID, args, c.kill)
	c.pid = proc.PID
	go func() {
		code := registry.Run(prog, proc)
		c.procs.Exit(proc.PID)
		stdout.flush()
		stderr.flush()
		c.finish(int32(code), "", "")
	}()
	return nil
}

// runExec runs an exec's program as a new process of the container's
// PID namespace: runc exec joins it, from outside (PPID 0).
func (c *container) runExec(prog registry.Program, proc *registry.Process) int {
	kill, cancel := context.WithCancel(proc.KillContext())
	defer cancel()
	proc.Kill = kill
	proc.PID = c.procs.Start(0, proc.UID, proc.Args, cancel)
	defer c.procs.Exit(proc.PID)
	return registry.Run(prog, proc)
}

// startFailed records runc's failure to start the process, as containerd
// reports it: exit code 128, reason StartError.
func (c *container) startFailed(err error) error {
	msg := fmt.Sprintf("failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: %v: unknown", err)
	c.finish(exitStartError, "StartError", msg)
	return fmt.Errorf("%s", msg)
}

// finish marks the container exited, once: later calls (a program
// returning after it was killed) change nothing.
func (c *container) finish(code int32, reason, message string) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	if c.state == runtimeapi.ContainerState_CONTAINER_EXITED {
		return
	}
	c.state = runtimeapi.ContainerState_CONTAINER_EXITED
	c.finishedAt = time.Now()
	c.exitCode = code
	if reason == "" {
		// containerd's reasons for an exited task.
		reason = "Completed"
		if code != 0 {
			reason = "Error"
		}
	}
	c.reason, c.message = reason, message
	if c.term != nil {
		c.term()
	}
	c.kill()
	if c.log != nil {
		c.log.close()
	}
	if c.stdin != nil {
		c.stdin.Close()
	}
	close(c.exited)
}

// usage receives the program's simulated usage; memory above the limit is
// an OOM kill, and CPU above the limit is throttled to it, as the CFS
// quota the kubelet sets (cpu.cfs_quota_us per cfs_period_us) does.
func (c *container) usage(cpuMilli, memory int64) {
	resources := c.config.GetLinux().GetResources()
	if quota, period := resources.GetCpuQuota(), resources.GetCpuPeriod(); quota > 0 && period > 0 {
		cpuMilli = min(cpuMilli, quota*1000/period)
	}
	c.r.mu.Lock()
	c.cpuMilli, c.memory = cpuMilli, memory
	limit := resources.GetMemoryLimitInBytes()
	c.r.mu.Unlock()
	if limit > 0 && memory > limit {
		c.finish(exitKilled, reasonOOM, "")
	}
}

// stop sends SIGTERM and, after timeout seconds, SIGKILL.
func (c *container) stop(timeout int64) {
	c.r.mu.Lock()
	state := c.state
	c.r.mu.Unlock()
	switch state {
	case runtimeapi.ContainerState_CONTAINER_CREATED:
		c.finish(0, "", "") // never started: nothing to signal
		return
	case runtimeapi.ContainerState_CONTAINER_EXITED:
		return
	}
	if timeout > 0 {
		c.term()
		select {
		case <-c.exited:
			return
		case <-time.After(time.Duration(timeout) * time.Second):
		}
	}
	c.finish(exitKilled, "Error", "")
}

// StopContainer stops a container with a grace period.
func (r *Runtime) StopContainer(_ context.Context, id string, timeout int64) error {
	r.mu.Lock()
	c, ok := r.containers[id]
	r.mu.Unlock()
	if !ok {
		return notFound("an error occurred when try to find container %q: not found", id)
	}
	c.stop(timeout)
	return nil
}

// RemoveContainer removes a container (killing it if it runs) and its
// root file system; its log stays for the kubelet to remove.
func (r *Runtime) RemoveContainer(_ context.Context, id string) error {
	r.mu.Lock()
	c, ok := r.containers[id]
	r.mu.Unlock()
	if !ok {
		return nil
	}
	c.stop(0)
	r.mu.Lock()
	delete(r.containers, id)
	r.mu.Unlock()
	c.fs.Close()
	return os.RemoveAll(c.rootDir)
}

func (c *container) apiContainer() *runtimeapi.Container {
	return &runtimeapi.Container{
		Id: c.id, PodSandboxId: c.sandboxID, Metadata: c.config.GetMetadata(),
		Image: c.config.GetImage(), ImageRef: c.img.id, ImageId: c.img.id,
		State: c.state, CreatedAt: c.createdAt.UnixNano(),
		Labels: c.config.GetLabels(), Annotations: c.config.GetAnnotations(),
	}
}

// ListContainers lists the containers a filter selects.
func (r *Runtime) ListContainers(_ context.Context, filter *runtimeapi.ContainerFilter) ([]*runtimeapi.Container, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*runtimeapi.Container
	for _, c := range r.containers {
		if filter != nil {
			if filter.Id != "" && filter.Id != c.id {
				continue
			}
			if filter.PodSandboxId != "" && filter.PodSandboxId != c.sandboxID {
				continue
			}
			if filter.State != nil && filter.State.State != c.state {
				continue
			}
			if !labelsMatch(filter.LabelSelector, c.config.GetLabels()) {
				continue
			}
		}
		out = append(out, c.apiContainer())
	}
	return out, nil
}

// ContainerStatus reports a container as containerd does.
func (r *Runtime) ContainerStatus(_ context.Context, id string, _ bool) (*runtimeapi.ContainerStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	if !ok {
		return nil, notFound("an error occurred when try to find container %q: not found", id)
	}
	st := &runtimeapi.ContainerStatus{
		Id: c.id, Metadata: c.config.GetMetadata(), State: c.state,
		CreatedAt: c.createdAt.UnixNano(),
		Image:     &runtimeapi.ImageSpec{Image: c.img.repoTag(), UserSpecifiedImage: c.config.GetImage().GetUserSpecifiedImage()},
		ImageRef:  c.img.repoDigest(),
		ImageId:   c.img.id,
		ExitCode:  c.exitCode, Reason: c.reason, Message: c.message,
		Labels: c.config.GetLabels(), Annotations: c.config.GetAnnotations(),
		Mounts: c.config.GetMounts(), LogPath: c.logPath,
	}
	if !c.startedAt.IsZero() {
		st.StartedAt = c.startedAt.UnixNano()
	}
	if !c.finishedAt.IsZero() {
		st.FinishedAt = c.finishedAt.UnixNano()
	}
	return &runtimeapi.ContainerStatusResponse{Status: st}, nil
}

// UpdateContainerResources accepts new limits (the memory limit applies to
// later usage reports).
func (r *Runtime) UpdateContainerResources(_ context.Context, id string, resources *runtimeapi.ContainerResources) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	if !ok {
		return notFound("an error occurred when try to find container %q: not found", id)
	}
	if resources.GetLinux() != nil {
		if c.config.Linux == nil {
			c.config.Linux = &runtimeapi.LinuxContainerConfig{}
		}
		c.config.Linux.Resources = resources.GetLinux()
	}
	return nil
}

// ExecSync runs cmd in a running container and returns its output, with
// the errors the kubelet's CRI client gives (k8s.io/cri-client): a
// utilexec.CodeExitError for a non-zero exit, remote.ErrCommandTimedOut
// after timeout.
func (r *Runtime) ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) ([]byte, []byte, error) {
	r.mu.Lock()
	c, ok := r.containers[id]
	var state runtimeapi.ContainerState
	if ok {
		state = c.state
	}
	r.mu.Unlock()
	if !ok {
		return nil, nil, notFound("an error occurred when try to find container %q: not found", id)
	}
	if state != runtimeapi.ContainerState_CONTAINER_RUNNING {
		return nil, nil, fmt.Errorf("rpc error: code = Unknown desc = failed to exec in container: container is in %s state", state)
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var stdout, stderr bytes.Buffer
	proc := c.process(ctx, cmd, nil, &registry.LockedWriter{W: &stdout}, &registry.LockedWriter{W: &stderr})
	code := make(chan int, 1)
	if len(cmd) == 0 {
		return nil, nil, fmt.Errorf("rpc error: code = Unknown desc = failed to exec in container: no command")
	}
	prog, err := proc.LookPath(cmd[0])
	if err != nil {
		// runc exec: the OCI runtime cannot start the process.
		msg := fmt.Sprintf("OCI runtime exec failed: exec failed: unable to start container process: %v: unknown", err)
		return nil, []byte(msg), utilexec.CodeExitError{
			Err:  fmt.Errorf("command '%s' exited with %d: %s", strings.Join(cmd, " "), 126, msg),
			Code: 126,
		}
	}
	go func() { code <- c.runExec(prog, proc) }()
	select {
	case n := <-code:
		out, errOut := stdout.Bytes(), stderr.Bytes()
		if n != 0 {
			return out, errOut, utilexec.CodeExitError{
				Err:  fmt.Errorf("command '%s' exited with %d: %s", strings.Join(cmd, " "), n, errOut),
				Code: n,
			}
		}
		return out, errOut, nil
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("%w: %q timed out after %s", remote.ErrCommandTimedOut, strings.Join(cmd, " "), timeout)
	}
}

// ReopenContainerLog reopens a container's log file after rotation.
func (r *Runtime) ReopenContainerLog(_ context.Context, id string) error {
	r.mu.Lock()
	c, ok := r.containers[id]
	r.mu.Unlock()
	if !ok {
		return notFound("an error occurred when try to find container %q: not found", id)
	}
	if c.log == nil {
		return nil
	}
	return c.log.reopen()
}

// CheckpointContainer is not supported (as containerd without CRIU).
func (r *Runtime) CheckpointContainer(context.Context, *runtimeapi.CheckpointContainerRequest) error {
	return unimplemented("CheckpointContainer")
}

// GetContainerEvents is not offered: the kubelet's generic PLEG relists
// (the evented PLEG is off by default).
func (r *Runtime) GetContainerEvents(context.Context, chan *runtimeapi.ContainerEventResponse, func(runtimeapi.RuntimeService_GetContainerEventsClient)) error {
	return unimplemented("GetContainerEvents")
}
