package scenarios

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/webernetes/webernetes/parity/harness"
)

// startBrowser runs the cluster in headless Chromium: web/test/parity-backend.mjs serves
// the page (bin/webernetes page with bin/webernetes.wasm), which starts a cluster in its
// worker, and runs each kubectl call there (cluster.kubectl) with the scenario's files
// copied into the worker's file system first.
func startBrowser(dns bool) (*backend, error) {
	root := repoRoot()
	for path, how := range map[string]string{
		filepath.Join(root, "bin", "webernetes"):      "make build",
		filepath.Join(root, "bin", "webernetes.wasm"): "make webernetes-wasm",
		filepath.Join(root, "web", "dist"):            "make web",
		filepath.Join(root, "web", "node_modules"):    "make web",
	} {
		if err := needBinary(path, how); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "webernetes-parity-browser-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(root, "web", "test", "parity-backend.mjs"))
	cmd.Env = append(os.Environ(),
		"WEBERNETES_BIN="+filepath.Join(root, "bin", "webernetes"),
		"WEBERNETES_WASM="+filepath.Join(root, "bin", "webernetes.wasm"),
		fmt.Sprintf("PARITY_DNS=%d", map[bool]int{false: 0, true: 1}[dns]),
		fmt.Sprintf("PARITY_NODES=%d", simNodes))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var progress harness.SyncBuffer
	cmd.Stderr = io.MultiWriter(&progress, os.Stderr)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %v", cmd, err)
	}
	k := &browserKubectl{in: stdin, calls: map[int]*browserCall{}, sent: map[string]fileStamp{}}
	ready := make(chan string, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		k.read(stdout, ready)
	}()
	exited := make(chan error, 1)
	go func() {
		<-readerDone
		exited <- cmd.Wait()
	}()
	b := &backend{Backend: harness.Backend{Name: "browser", Kubectl: k, Kubeconfig: filepath.Join(dir, "kubeconfig"), ExpectedNodes: simNodes}}
	b.stop = func() error {
		defer os.RemoveAll(dir)
		stdin.Close() // the driver stops Chromium and the page server, then exits
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("%s: %v after its stdin closed", cmd, err)
			}
			return nil
		case <-time.After(time.Minute):
			cmd.Process.Kill() // the process this harness started, by PID
			return fmt.Errorf("%s (pid %d) did not stop within a minute; killed it", cmd, cmd.Process.Pid)
		}
	}
	select {
	case kubeconfig := <-ready:
		if err := os.WriteFile(b.Kubeconfig, []byte(kubeconfig), 0o600); err != nil {
			b.stop()
			return nil, err
		}
		fmt.Printf("parity: browser backend ready (the page in headless Chromium, driver pid %d)\n", cmd.Process.Pid)
		return b, nil
	case err := <-exited:
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s exited before its cluster was ready (%v):\n%s", cmd, err, harness.LastLines(progress.String(), 30))
	case <-time.After(15 * time.Minute):
		b.stop()
		return nil, fmt.Errorf("the browser backend was not ready after 15 minutes:\n%s", harness.LastLines(progress.String(), 30))
	}
}

// browserKubectl is kubectl in the page's worker (cluster.kubectl), through the driver.
type browserKubectl struct {
	mu     sync.Mutex
	in     io.Writer
	nextID int
	calls  map[int]*browserCall
	sent   map[string]fileStamp // what the worker has of each file, as last copied
	gone   error                // the driver's output ended
}

// fileStamp tells whether a file changed since it was copied.
type fileStamp struct {
	size    int64
	modTime time.Time
}

// browserCall is one kubectl call in the page.
type browserCall struct {
	stdout, stderr harness.SyncBuffer
	code           int
	err            error
	done           chan struct{}
	established    chan struct{}
	once           sync.Once
	k              *browserKubectl
	id             int
}

func (k *browserKubectl) Path() string { return "" }

func (k *browserKubectl) Run(ctx context.Context, dir string, env []string, args ...string) (string, string, int, error) {
	c, err := k.start(dir, env, args)
	if err != nil {
		return "", "", 0, err
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		c.Interrupt()
		<-c.done
		return c.stdout.String(), c.stderr.String(), 0, ctx.Err()
	}
	return c.stdout.String(), c.stderr.String(), c.code, c.err
}

func (k *browserKubectl) Watch(timeout time.Duration, dir string, env []string, args ...string) (harness.Watcher, error) {
	c, err := k.start(dir, env, args)
	if err != nil {
		return nil, err
	}
	select {
	case <-c.established:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("kubectl exited (%d, %v) before its watch was established:\n%s", c.code, c.err, harness.LastLines(c.stderr.String(), 10))
	case <-time.After(timeout):
		c.Kill()
		return nil, fmt.Errorf("no watch established after %v:\n%s", timeout, harness.LastLines(c.stderr.String(), 10))
	}
}

// ScenarioDone removes a scenario's work directory from the worker's file system
// (harness.ScenarioDoner): the page keeps no file of a finished scenario.
func (k *browserKubectl) ScenarioDone(workDir string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for p := range k.sent {
		if p == workDir || strings.HasPrefix(p, workDir+string(filepath.Separator)) {
			delete(k.sent, p)
		}
	}
	k.nextID++
	k.send(map[string]any{"id": k.nextID, "op": "remove", "path": workDir})
}

// start sends a kubectl call, with the files of dir and the kubeconfig of env that the
// worker does not have as they are now.
func (k *browserKubectl) start(dir string, env []string, args []string) (*browserCall, error) {
	var paths []string
	if dir != "" {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "KUBECONFIG="); ok && v != "" && (dir == "" || !strings.HasPrefix(v, dir+string(filepath.Separator))) {
			paths = append(paths, v)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.gone != nil {
		return nil, k.gone
	}
	type file struct {
		Path string `json:"path"`
		Data string `json:"data"`
	}
	files := []file{}
	sent := map[string]fileStamp{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		stamp := fileStamp{fi.Size(), fi.ModTime()}
		if k.sent[p] == stamp {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, file{p, base64.StdEncoding.EncodeToString(data)})
		sent[p] = stamp
	}
	k.nextID++
	c := &browserCall{done: make(chan struct{}), established: make(chan struct{}), k: k, id: k.nextID}
	k.calls[c.id] = c
	if err := k.send(map[string]any{"id": c.id, "op": "kubectl", "args": args, "env": env, "dir": dir, "files": files}); err != nil {
		delete(k.calls, c.id)
		return nil, err
	}
	for p, s := range sent {
		k.sent[p] = s
	}
	return c, nil
}

// send writes one request line; k.mu is held.
func (k *browserKubectl) send(req map[string]any) error {
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := k.in.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("the browser backend's driver: %v", err)
	}
	return nil
}

// read hands the driver's lines to their calls until its output ends.
func (k *browserKubectl) read(r io.Reader, ready chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	for sc.Scan() {
		var msg struct {
			Ready      bool
			Kubeconfig string
			ID         int
			Stream     string
			Text       string
			Watch      bool
			End        bool
			Code       int
			Error      *string
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			fmt.Fprintf(os.Stderr, "parity: browser backend: %v: %s\n", err, sc.Text())
			continue
		}
		if msg.Ready {
			ready <- msg.Kubeconfig
			continue
		}
		k.mu.Lock()
		c := k.calls[msg.ID]
		if c != nil && (msg.End || msg.Error != nil) {
			delete(k.calls, msg.ID)
		}
		k.mu.Unlock()
		if c == nil {
			continue
		}
		switch {
		case msg.Stream == "stdout":
			c.stdout.Write([]byte(msg.Text))
		case msg.Stream == "stderr":
			c.stderr.Write([]byte(msg.Text))
		case msg.Watch:
			close(c.established)
		case msg.End:
			c.code = msg.Code
			close(c.done)
		case msg.Error != nil:
			if *msg.Error != "interrupted" {
				c.err = fmt.Errorf("kubectl in the page: %s", *msg.Error)
			}
			close(c.done)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.gone = fmt.Errorf("the browser backend's driver ended")
	for id, c := range k.calls {
		c.err = k.gone
		close(c.done)
		delete(k.calls, id)
	}
}

func (c *browserCall) Stdout() string        { return c.stdout.String() }
func (c *browserCall) Stderr() string        { return c.stderr.String() }
func (c *browserCall) Done() <-chan struct{} { return c.done }

// Interrupt ends the call as Ctrl-C does; what it printed stays.
func (c *browserCall) Interrupt() {
	c.once.Do(func() {
		c.k.mu.Lock()
		defer c.k.mu.Unlock()
		c.k.nextID++
		c.k.send(map[string]any{"id": c.k.nextID, "op": "interrupt", "target": c.id})
	})
}

func (c *browserCall) Kill() { c.Interrupt() }
